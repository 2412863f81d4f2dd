import type { ImageRef, K8sObject } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { containerLabel, isNonProductionManifest, isRecord } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

export default defineRule({
  meta: {
    id: "k8s/image-pinned",
    section: "foundation",
    title: "Container images in manifests are pinned to a version",
    severity: "warning",
    rationale:
      "An image without a tag or tagged `latest` changes whenever someone pushes: each node that pulls it may run a different build, " +
      "a rollback redeploys whatever is newest, and `imagePullPolicy` defaults to `Always`, so a registry outage stops pods from starting.",
    remediation: "Pin each container image to a version tag, and preferably a digest (`app:1.4.2@sha256:…`).",
    docs: `Checks the \`image\` of every container (init containers and sidecars included) of every workload.

Bad:

\`\`\`yaml
containers:
  - name: api
    image: registry.example.com/api            # no tag: pulls :latest
  - name: cache
    image: redis:latest
  - name: local
    image: localhost:5000/app                  # 5000 is the registry port; still no tag
\`\`\`

Good:

\`\`\`yaml
containers:
  - name: api
    image: registry.example.com/api:1.4.2
  - name: cache
    image: redis:7.2-alpine@sha256:…           # a digest pins the image whatever its tag
\`\`\`

With the option \`requireDigest: true\` every image without a digest is reported: a tag can be moved to another
image by anyone who can push, a digest cannot. Floating version tags (\`redis:7\`, \`redis:alpine\`) are accepted
otherwise, like in \`docker/base-image-pinned\`: they are a deliberate choice of how much to track.

Not reported:
- images a build tool of the repository tags at deploy time: \`build.artifacts[].image\` of a Skaffold
  \`Config\` (Skaffold replaces \`image: app\` with \`app:<git-sha>@sha256:…\`), and images that a kustomization
  or kustomize component rewrites with \`images: [{name, newTag | digest}]\`;
- references that are not image names as written (\`ko://...\`, \`\${IMAGE}\`, Helm templates);
- kustomize patches without an image, and manifests under \`test/\`, \`e2e/\`, \`testdata/\`, \`fixtures/\` and \`examples/\`.`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "reproducibility", "supply-chain"],
    precision: "very-high",
    options: {
      requireDigest: {
        type: "boolean",
        default: false,
        description: "Report every image without a `@sha256:` digest, not only missing and `latest` tags.",
      },
    },
  },
  check({ repo, report, options }) {
    const requireDigest = options.requireDigest === true;
    const retagged = imagesTaggedByTools(repo.kubernetes);
    for (const container of repo.containers) {
      const image = container.image;
      const object = container.workload.object;
      if (!image || image.digest || isNonProductionManifest(scanRelative(repo, object.path))) continue;
      const floating = image.tag === undefined || image.tag === "latest";
      if (!floating && !requireDigest) continue;
      if (retagged.has(nameOf(image)) || retagged.has(image.text)) continue;
      const range = object.locate([...container.path, "image"]);
      if (floating) {
        const pull = container.container.imagePullPolicy;
        report({ path: object.path, range, message: `${containerLabel(container)} ${describe(image)}: ${DRIFT}${pullEffect(pull)}.`, fix: fix(image) });
      } else {
        report({
          path: object.path,
          range,
          message: `${containerLabel(container)} uses image \`${image.text}\` without a digest: whoever can push to the repository can move the tag \`${image.tag}\` to another image, and nodes that pull it later run that one.`,
          fix: `Append the digest of the image you tested: \`${image.text}@sha256:…\` (\`crane digest ${image.text}\` prints it).`,
        });
      }
    }
  },
});

const DRIFT = "nodes pull whatever was pushed last, so replicas can run different builds and a rollback does not restore the old one";

/** What the pull policy adds (Kubernetes defaults it to Always for `latest` and untagged images). */
function pullEffect(policy: unknown): string {
  if (policy === undefined || policy === null) return "; the pull policy then defaults to `Always`, so every pod start also depends on the registry";
  if (policy === "Always") return "; `imagePullPolicy: Always` also makes every pod start depend on the registry";
  return `; with \`imagePullPolicy: ${String(policy)}\` each node keeps running whichever build it pulled first`;
}

function describe(image: ImageRef): string {
  if (image.tag === "latest") return `uses image \`${image.text}\`, whose \`latest\` tag moves with every push`;
  const port = image.registry?.includes(":") ? ` (\`:${image.registry.split(":").pop()}\` is the registry port, not a tag)` : "";
  return `uses image \`${image.text}\` without a tag${port}, which pulls \`${nameOf(image)}:latest\``;
}

function fix(image: ImageRef): string {
  const name = nameOf(image);
  return `Pin a version tag such as \`${name}:<version>\`, ideally with its digest (\`${name}:<version>@sha256:…\`).`;
}

/** The image name without tag or digest, with its registry: `registry.example.com/api`. */
function nameOf(image: ImageRef): string {
  return image.registry ? `${image.registry}/${image.repository}` : image.repository;
}

/**
 * Image names that a build or deploy tool of this repository tags (or pins) when it deploys: Skaffold
 * artifacts and kustomize `images:` overrides that set `newTag` or `digest`. Name -> the tool.
 */
function imagesTaggedByTools(objects: readonly K8sObject[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const object of objects) {
    if (object.apiVersion.startsWith("skaffold/") && object.kind === "Config") {
      const artifacts = isRecord(object.body.build) ? object.body.build.artifacts : undefined;
      if (!Array.isArray(artifacts)) continue;
      for (const artifact of artifacts) {
        if (isRecord(artifact) && typeof artifact.image === "string") names.set(artifact.image, `Skaffold (${object.path})`);
      }
    } else if (object.kind === "Kustomization" || object.kind === "Component") {
      const images = object.body.images;
      if (!Array.isArray(images)) continue;
      for (const entry of images) {
        if (!isRecord(entry) || typeof entry.name !== "string") continue;
        if (typeof entry.newTag === "string" || typeof entry.newTag === "number" || typeof entry.digest === "string") {
          names.set(entry.name, `kustomize (${object.path})`);
        }
      }
    }
  }
  return names;
}
