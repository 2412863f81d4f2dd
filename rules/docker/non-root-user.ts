import type { DockerFrom, DockerInstruction, ImageRef } from "../../src/model/artifacts.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { baseFrom, effectiveInstruction, finalStage, isNonProductionDockerfile, stageLineage } from "../../src/rule-kit/docker.js";

export default defineRule({
  meta: {
    id: "docker/non-root-user",
    section: "security",
    title: "Container runs as a non-root user",
    severity: "warning",
    rationale:
      "A process running as root inside the container is root on the host's kernel: one remote-code-execution bug or container escape away from the node, and free to rewrite its own image files.",
    remediation: "End the final stage with `USER` set to a non-root user or numeric UID (`USER 65532:65532`).",
    docs: `
The image that ships is the **final stage** of the Dockerfile. It runs as the last \`USER\` set in that stage or
in the stages it builds on through \`FROM <stage>\`; without any, it runs as the base image's default user,
which is root for almost every public image (\`alpine\`, \`debian\`, \`node\`, \`golang\`, \`scratch\`, distroless
without \`:nonroot\`).

**Bad**
\`\`\`dockerfile
FROM golang:1.22 AS build
USER builder                 # only the build stage; the final image does not inherit it
RUN go build -o /app .

FROM alpine:3.20
COPY --from=build /app /app
CMD ["/app"]                 # runs as root
\`\`\`

\`\`\`dockerfile
FROM node:20-slim
USER node
RUN npm ci
USER root                    # switched back and never dropped again
CMD ["node", "dist/main.js"]
\`\`\`

**Good**
\`\`\`dockerfile
FROM alpine:3.20
RUN adduser -D -u 10001 app
USER 10001:10001
\`\`\`

\`\`\`dockerfile
FROM gcr.io/distroless/static-debian12:nonroot   # non-root by default
COPY --from=build /app /app
\`\`\`

Counted as root: \`root\`, UID \`0\`, with any group. \`USER 1000:0\` (non-root user, root group, the OpenShift
convention) is fine. Images known to default to a non-root user pass without \`USER\`: distroless and other
\`*nonroot*\` tags, Chainguard (\`cgr.dev/...\`), \`nginxinc/nginx-unprivileged\`, Bitnami application images and
.NET \`chiseled\` images. For other base images the rule cannot see their default user and reports a *note*.
A \`USER\` given by a variable (\`USER \${APP_UID}\`) is taken as a deliberate non-root user.
Development, test and CI Dockerfiles (\`Dockerfile.dev\`, \`Dockerfile.build\`, \`.devcontainer/\`, \`test/\`) are not checked.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "security", "least-privilege"],
    precision: "high",
    securitySeverity: 5.5,
  },
  check({ repo, report }) {
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(scanRelative(repo, dockerfile.path))) continue;
      const final = finalStage(dockerfile);
      if (!final) continue;
      const finalFrom = final.from.instruction;

      const user = effectiveInstruction(dockerfile, final, "USER");
      if (user) {
        if (!isRoot(user.instruction)) continue;
        const where = user.stage === final ? "the final stage" : `stage ${stageLabel(user.stage.name, user.stage.index)}, which the final stage builds on,`;
        report({
          path: dockerfile.path,
          range: user.instruction.range,
          message:
            `\`USER ${user.instruction.text}\` in ${where} is the last USER before the image runs, ` +
            "so the container's process runs as root.",
          related: [{ path: dockerfile.path, range: finalFrom.range, message: "The final stage (the image that ships) starts here." }],
        });
        continue;
      }

      // No USER anywhere in the final stage's lineage: the base image's default user applies.
      const lineage = stageLineage(dockerfile, final);
      const base = baseFrom(dockerfile, final);
      if (base.instruction.args.length === 0) continue; // FROM without image: already a parse error
      const verdict = defaultUser(base);
      if (verdict === "non-root") continue;
      const elsewhere = dockerfile.stages.find((s) => !lineage.includes(s) && s.instructions.some((i) => i.keyword === "USER"));
      const note = elsewhere
        ? ` (the USER in stage ${stageLabel(elsewhere.name, elsewhere.index)} does not carry over: the final stage does not build on it)`
        : "";
      let message: string;
      if (verdict === "unknown") {
        const image = base.image ? base.image.text : (base.instruction.args[0] ?? "");
        message =
          `The final stage sets no USER${note}, so it runs as the default user of base image \`${image}\`, ` +
          "which this rule cannot see: unless that image switches to a non-root user itself, the container runs as root.";
      } else if (base.scratch) {
        message = `The final stage sets no USER${note} and is built FROM scratch, which has no users: the process runs as UID 0, root.`;
      } else {
        message = `The final stage sets no USER${note}, and base image \`${base.image!.text}\` runs as root by default, so the container's process runs as root.`;
      }
      report({
        path: dockerfile.path,
        range: finalFrom.range,
        message,
        ...(verdict === "unknown" && { severity: "note" as const }),
      });
    }
  },
});

function stageLabel(name: string | undefined, index: number): string {
  return name ? `\`${name}\`` : `#${index}`;
}

/** `root`, or UID 0, whatever the group; a variable is taken as a deliberate non-root user. */
function isRoot(user: DockerInstruction): boolean {
  const name = (user.args[0] ?? "").split(":")[0];
  return name === "root" || /^0+$/.test(name);
}

function defaultUser(from: DockerFrom): "root" | "non-root" | "unknown" {
  if (from.scratch) return "root"; // no /etc/passwd: the process runs as UID 0
  const image = from.image;
  if (!image) return "unknown";
  if (isNonRootByDefault(image)) return "non-root";
  if (isDistroless(image) || isOfficialRootImage(image)) return "root";
  return "unknown";
}

/** Images whose publishers document a non-root default user. */
function isNonRootByDefault(image: ImageRef): boolean {
  const tag = image.tag ?? "";
  if (tag.includes("nonroot")) return true; // distroless and others' `:nonroot`, `:debug-nonroot`
  if (image.registry === "cgr.dev") return true; // Chainguard images run as `nonroot` (65532)
  if (image.registry === "mcr.microsoft.com" && image.repository.startsWith("dotnet/") && tag.includes("chiseled")) return true;
  if (!isDockerHub(image)) return false;
  if (image.repository === "nginxinc/nginx-unprivileged") return true;
  return image.repository.startsWith("bitnami/") && image.repository !== "bitnami/minideb";
}

function isDistroless(image: ImageRef): boolean {
  return image.registry === "gcr.io" && image.repository.startsWith("distroless/");
}

/** Official images that set a non-root USER themselves (for some or all tags): left as unknown. */
const OFFICIAL_WITH_USER = new Set(["haproxy", "jetty", "sonarqube"]);

/** Docker Hub official images (`alpine`, `library/node`, `docker.io/golang`) run as root unless noted. */
function isOfficialRootImage(image: ImageRef): boolean {
  if (!isDockerHub(image)) return false;
  const name = image.repository.startsWith("library/") ? image.repository.slice("library/".length) : image.repository;
  return !name.includes("/") && !OFFICIAL_WITH_USER.has(name);
}

function isDockerHub(image: ImageRef): boolean {
  return image.registry === undefined || ["docker.io", "index.docker.io", "registry-1.docker.io"].includes(image.registry);
}
