/**
 * Which Kubernetes containers and Compose services run the image a Dockerfile builds. Image names are a
 * naming convention, matched conservatively (see `imageNames`).
 */
import type { ConfigDocument, ContainerRef, DockerfileModel } from "../model/artifacts.js";
import type { Range } from "../model/location.js";
import type { Repository } from "../model/repository.js";
import { isNonProductionDockerfile } from "./docker.js";
import { composeBuilds, folderOf } from "./docker-build.js";
import { isNonProductionManifest } from "./kubernetes.js";
import { scanRelative } from "./paths.js";

/** Folder names that say what kind of program lives there rather than which one (go-zero `cmd/rpc`, `cmd/api`). */
const GENERIC_FOLDERS = new Set(["rpc", "api", "cmd", "server", "app", "src", "docker", "build", "deploy", "service", "web", "worker", "job", "mq"]);

/**
 * The image names a Dockerfile may build, by convention:
 * - `Dockerfile.<name>` / `<name>.Dockerfile`: that name;
 * - otherwise the Dockerfile's folder (`src/checkoutservice/Dockerfile` builds `checkoutservice`) when it is the
 *   only production Dockerfile there; for generic folders (`app/usercenter/cmd/rpc`) also the nearest
 *   non-generic ancestor joined with it (`usercenter-rpc`) and that ancestor alone (`usercenter`);
 * - at the repository root: the last segment of the root `go.mod` module path (a `/vN` suffix skipped) and
 *   the root `package.json` name (scope dropped), when they agree.
 */
export function imageNames(repo: Repository, dockerfile: DockerfileModel): string[] {
  const file = dockerfile.path.split("/").at(-1)!.toLowerCase();
  const suffix = /^(?:dockerfile|containerfile)\.(.+)$/.exec(file)?.[1] ?? /^(.+)\.dockerfile$/.exec(file)?.[1];
  if (suffix && !["prod", "production", "release", "dist", "final", "runtime"].includes(suffix)) return [suffix];

  const dir = folderOf(dockerfile.path);
  const siblings = repo.dockerfiles.filter((d) => folderOf(d.path) === dir && !isNonProductionDockerfile(d, scanRelative(repo, d.path)));
  if (siblings.length !== 1) return [];
  if (dir !== "") {
    const segments = dir.toLowerCase().split("/");
    const own = segments.at(-1)!;
    if (!GENERIC_FOLDERS.has(own)) return [own];
    const parent = [...segments.slice(0, -1)].reverse().find((s) => !GENERIC_FOLDERS.has(s));
    return parent ? [`${parent}-${own}`, parent, own] : [own];
  }
  const names = new Set<string>();
  const module = repo.manifests.goModules.find((m) => m.path === "go.mod")?.module;
  if (module) {
    const segments = module.split("/");
    const last = segments.length > 1 && /^v\d+$/.test(segments.at(-1)!) ? segments.at(-2)! : segments.at(-1)!;
    names.add(last.toLowerCase());
  }
  const pkg = repo.manifests.packageJsons.find((p) => p.path === "package.json")?.name;
  if (pkg) names.add(pkg.split("/").at(-1)!.toLowerCase());
  return names.size === 1 ? [...names] : [];
}

/**
 * Containers of production workloads (not kustomize patches, not test or example manifests) whose image name
 * (the last segment of its repository) is one of the Dockerfile's image names; the first name that matches
 * anything wins.
 */
export function containersRunning(repo: Repository, dockerfile: DockerfileModel): ContainerRef[] {
  const names = imageNames(repo, dockerfile);
  for (const name of names) {
    const found = repo.containers.filter(
      (c) =>
        c.image?.name.toLowerCase() === name &&
        !c.workload.partial &&
        !isNonProductionManifest(scanRelative(repo, c.workload.object.path)),
    );
    if (found.length > 0) return found;
  }
  return [];
}

export interface ComposeService {
  document: ConfigDocument;
  name: string;
  service: Record<string, unknown>;
  /** Range of the service's key. */
  range: Range;
}

/** Compose services whose `build` names this Dockerfile (context folder and `dockerfile`, default `Dockerfile`). */
export function composeServicesBuilding(repo: Repository, dockerfile: DockerfileModel): ComposeService[] {
  return composeBuilds(repo)
    .filter((b) => b.dockerfile === dockerfile.path)
    .map((b) => ({ document: b.document, name: b.name, service: b.service, range: b.document.locateKey(["services", b.name]) }));
}

/** A Compose file that reads as a production deployment rather than a local stack (`docker-compose.prod.yml`). */
export function isProductionCompose(path: string): boolean {
  const base = path.split("/").at(-1)!.toLowerCase();
  return /(^|[._-])(prod|production|release|live|deploy)([._-]|$)/.test(base);
}
