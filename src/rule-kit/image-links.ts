/**
 * Linking a Kubernetes container to the Dockerfile its image is built from. Only links that are
 * definite enough to compare across files:
 *  - a Skaffold `build.artifacts[]` entry whose `image` is the container's image (or its last path
 *    segments, when a default repository is prefixed) names the build context and Dockerfile;
 *  - otherwise the image's name (last path segment) equals the name of the folder holding exactly one
 *    production Dockerfile (`src/frontend/Dockerfile` builds `.../frontend:tag`), or the Dockerfile is
 *    named for it (`frontend.Dockerfile`, `Dockerfile.frontend`).
 * Anything else (one Dockerfile and one image with unrelated names) is a guess: no link.
 */
import type { ContainerRef, DockerfileModel, ImageRef, K8sObject } from "../model/artifacts.js";
import type { Repository } from "../model/repository.js";
import { isNonProductionDockerfile } from "./docker.js";
import { getIn, isRecord } from "./kubernetes.js";
import { scanRelative } from "./paths.js";
import { posix } from "./posix-path.js";

export interface ImageLink {
  dockerfile: DockerfileModel;
  how: "skaffold" | "name";
}

interface SkaffoldArtifact {
  image: string;
  dockerfilePath: string;
}

function skaffoldArtifacts(repo: Pick<Repository, "kubernetes" | "configs">): SkaffoldArtifact[] {
  const docs: { path: string; body: unknown }[] = [
    ...repo.kubernetes.filter((o) => o.apiVersion.startsWith("skaffold/")).map((o: K8sObject) => ({ path: o.path, body: o.body })),
    ...repo.configs.filter((c) => isRecord(c.body) && typeof c.body.apiVersion === "string" && c.body.apiVersion.startsWith("skaffold/")),
  ];
  const artifacts: SkaffoldArtifact[] = [];
  for (const doc of docs) {
    const dir = posix.dirname(doc.path);
    const list = getIn(doc.body, ["build", "artifacts"]);
    if (!Array.isArray(list)) continue;
    for (const artifact of list) {
      if (!isRecord(artifact) || typeof artifact.image !== "string") continue;
      const context = typeof artifact.context === "string" ? artifact.context : ".";
      const file = getIn(artifact, ["docker", "dockerfile"]);
      const dockerfilePath = posix.join(dir === "." ? "" : dir, context, typeof file === "string" ? file : "Dockerfile");
      artifacts.push({ image: artifact.image, dockerfilePath });
    }
  }
  return artifacts;
}

/** The image without tag or digest: `registry/path/name`. */
function imageName(image: ImageRef): string {
  return image.registry ? `${image.registry}/${image.repository}` : image.repository;
}

function dockerfileNames(path: string): string[] {
  const base = posix.basename(path);
  const names = [posix.basename(posix.dirname(path))];
  const suffix = /^Dockerfile[.-](.+)$/i.exec(base)?.[1] ?? /^(.+)\.Dockerfile$/i.exec(base)?.[1];
  if (suffix) names.push(suffix);
  return names.filter((n) => n && n !== "." && n !== "/").map((n) => n.toLowerCase());
}

const linkCache = new WeakMap<object, Map<string, ImageLink | null>>();

/** The Dockerfile `container`'s image is built from, when the link is definite (see the module comment). */
export function dockerfileForContainer(repo: Repository, container: ContainerRef): ImageLink | undefined {
  if (!container.image) return undefined;
  let cache = linkCache.get(repo);
  if (!cache) linkCache.set(repo, (cache = new Map()));
  const key = container.image.text;
  if (cache.has(key)) return cache.get(key) ?? undefined;
  const link = findLink(repo, container.image);
  cache.set(key, link ?? null);
  return link;
}

function findLink(repo: Repository, image: ImageRef): ImageLink | undefined {
  const full = imageName(image);
  for (const artifact of skaffoldArtifacts(repo)) {
    if (full === artifact.image || full.endsWith(`/${artifact.image}`)) {
      const dockerfile = repo.dockerfiles.find((d) => d.path === artifact.dockerfilePath);
      if (dockerfile) return { dockerfile, how: "skaffold" };
    }
  }
  const name = image.name.toLowerCase();
  const candidates = repo.dockerfiles.filter(
    (d) => !isNonProductionDockerfile(d, scanRelative(repo, d.path)) && dockerfileNames(d.path).includes(name),
  );
  return candidates.length === 1 ? { dockerfile: candidates[0]!, how: "name" } : undefined;
}
