import type { DockerFrom, ImageRef } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { fromImageRange } from "../../src/rule-kit/docker.js";

export default defineRule({
  meta: {
    id: "docker/base-image-pinned",
    section: "foundation",
    title: "Base images are pinned to a version",
    severity: "warning",
    rationale:
      "A base image without a tag, or tagged `latest`, changes whenever its publisher pushes: two builds of the same commit can ship different operating systems or runtimes, and rebuilding an old release does not reproduce it.",
    remediation: "Pin every FROM image to a version tag, and preferably a digest (`alpine:3.20@sha256:…`).",
    docs: `
Every \`FROM\` that pulls an image must name a version. \`FROM alpine\` and \`FROM alpine:latest\` pull whatever
was pushed last, so the image you test is not the image you ship a week later.

**Bad**
\`\`\`dockerfile
FROM golang AS build
FROM alpine:latest
FROM localhost:5000/base          # 5000 is the registry port, not a tag
ARG BASE=node
FROM \${BASE}                      # resolves to "node": no tag
\`\`\`

**Good**
\`\`\`dockerfile
FROM golang:1.22-alpine AS build
FROM alpine:3.20@sha256:0123…     # a digest pins the image whatever the tag
ARG BASE=node:20-slim
FROM \${BASE}
FROM build AS test                # a reference to an earlier stage, not an image
FROM scratch
\`\`\`

Build arguments are resolved from the \`ARG\` defaults before the first \`FROM\` (\`\${X:-default}\`, chained and
multi-name \`ARG\`s included). When the image depends on a build argument without a default
(\`FROM \${BASE_IMAGE}\`), the rule cannot tell what will be pulled and reports a *note* instead of a warning.
A reference whose tag or digest is written literally but holds a variable (\`golang:\${GO_VERSION}\`) is
taken as pinned. Floating version tags such as \`node:20\` are accepted: they are a deliberate choice of
how much to track, unlike \`latest\`.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "reproducibility", "supply-chain"],
    precision: "very-high",
  },
  check({ repo, report }) {
    for (const dockerfile of repo.dockerfiles) {
      for (const stage of dockerfile.stages) {
        const { from } = stage;
        if (from.parentStage !== undefined || from.scratch) continue;
        const range = fromImageRange(from);
        const written = from.instruction.args[0];
        if (written === undefined) continue;

        if (from.unresolved) {
          if (hasWrittenVersion(written)) continue;
          report({
            path: dockerfile.path,
            range,
            severity: "note",
            message:
              `Base image \`${written}\` depends on a build argument this file gives no default for, ` +
              "so whether it is pinned to a version depends on the --build-arg value and cannot be verified here.",
            fix: "Give the build argument a pinned default (`ARG BASE=alpine:3.20`) or make sure every build passes a pinned image.",
          });
          continue;
        }

        const image = from.image;
        if (!image || image.digest !== undefined) continue;
        if (image.tag !== undefined && image.tag !== "latest") continue;
        report({ path: dockerfile.path, range, message: message(from, image), fix: fix(image) });
      }
    }
  },
});

function message(from: DockerFrom, image: ImageRef): string {
  const written = from.instruction.args[0];
  const shown = written === image.text ? `\`${image.text}\`` : `\`${written}\` (\`${image.text}\` from the ARG default)`;
  const drift = "each build may get a different image, and an old release cannot be rebuilt as it shipped.";
  if (image.tag === "latest") return `Base image ${shown} uses the moving \`latest\` tag: ${drift}`;
  const port = image.registry?.includes(":") ? ` (\`:${image.registry.split(":").pop()}\` is the registry port, not a tag)` : "";
  return `Base image ${shown} has no tag${port}, so Docker pulls \`${withoutTag(image)}:latest\`: ${drift}`;
}

function fix(image: ImageRef): string {
  const name = withoutTag(image);
  return `Pin a version tag such as \`${name}:<version>\`, ideally with its digest (\`${name}:<version>@sha256:…\`).`;
}

function withoutTag(image: ImageRef): string {
  return image.registry ? `${image.registry}/${image.repository}` : image.repository;
}

/**
 * Whether an unresolved reference still writes a tag or digest (`golang:${GO_VERSION}`): variables are
 * blanked out, then a `:` after the last `/`, or an `@`, means a version is given, whatever its value.
 */
function hasWrittenVersion(written: string): boolean {
  const literal = written.replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, "x");
  return literal.includes("@") || literal.lastIndexOf(":") > literal.lastIndexOf("/");
}
