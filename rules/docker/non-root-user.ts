import type { ContainerRef, DockerfileModel, DockerFrom, DockerInstruction, ImageRef } from "../../src/model/artifacts.js";
import type { ReportDescriptor } from "../../src/model/finding.js";
import type { Range } from "../../src/model/location.js";
import type { Repository } from "../../src/model/repository.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { baseFrom, effectiveInstruction, finalStage, isNonProductionDockerfile, stageLineage } from "../../src/rule-kit/docker.js";
import {
  containerLabel,
  containerRange,
  effectiveRunAs,
  isNonProductionManifest,
  runAsVerdict,
  type EffectiveRunAs,
  type RunAsVerdict,
} from "../../src/rule-kit/kubernetes.js";

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
Development, test and CI Dockerfiles (\`Dockerfile.dev\`, \`Dockerfile.build\`, \`.devcontainer/\`, \`test/\`, or an image that starts a hot-reload runner such as reflex, air or nodemon) are not checked.

**Images that Kubernetes runs as non-root.** When the image would be reported, the rule looks for the
Kubernetes containers that run it. If there is at least one and *every* one runs as a non-root user in effect,
the finding becomes a *note*: the image still runs as root under \`docker run\`, Compose or a cluster without
that manifest, but the workloads in this repository override it. The note names one workload and points at
its setting.

\`\`\`yaml
# src/checkoutservice/Dockerfile has no USER; the Deployment that runs it:
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000        # every container of the pod runs as UID 1000
      containers:
        - name: server
          image: us-docker.pkg.dev/example/shop/checkoutservice:v1
\`\`\`

- The container's \`securityContext\` overrides the pod's, field by field; kustomize patches of the workload
  are applied on top. A container counts as non-root when its effective \`runAsUser\` is above 0.
- \`runAsNonRoot: true\` without a \`runAsUser\` does not change the user: the kubelet checks the image's own
  user and *refuses to start* the container when it is root. For an image known to run as root that stays a
  warning, saying so; for a base image whose user the rule cannot see it counts as non-root (it never runs as root).
- Any container that runs the image with \`runAsUser: 0\`, with no user settings, or with a \`runAsUser\` that is
  not a plain number keeps the finding as it was, with that container as a related location.
- Kustomize patches on their own, and manifests under \`test/\`, \`e2e/\`, \`fixtures/\` and \`examples/\` folders,
  are not counted. Helm templates are not rendered, so a chart's \`securityContext\` is not seen.

Which Dockerfile builds which image is a naming convention, kept conservative: the image's name (the last
segment of its repository, \`checkoutservice\` in \`us-docker.pkg.dev/example/shop/checkoutservice:v1\`)
must equal the name of the Dockerfile's folder (\`src/checkoutservice/Dockerfile\`), and that Dockerfile must be
the only production Dockerfile in its folder. A Dockerfile at the repository root matches the last segment of
the root \`go.mod\` module path (a \`/vN\` suffix skipped) or of the root \`package.json\` name (scope dropped);
when both exist and differ, it matches nothing. With no matching container the rule reports as above.
`.trim(),
    inputs: ["dockerfile", "kubernetes"],
    tags: ["docker", "security", "least-privilege"],
    precision: "high",
    securitySeverity: 5.5,
  },
  check({ repo, report }) {
    const deployments = new Deployments(repo);
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const final = finalStage(dockerfile);
      if (!final) continue;
      const finalFrom = final.from.instruction;

      const user = effectiveInstruction(dockerfile, final, "USER");
      if (user) {
        if (!isRoot(user.instruction)) continue;
        const where = user.stage === final ? "the final stage" : `stage ${stageLabel(user.stage.name, user.stage.index)}, which the final stage builds on,`;
        const cause = `\`USER ${user.instruction.text}\` in ${where} is the last USER before the image runs`;
        report(
          deployments.adjust(dockerfile, {
            path: dockerfile.path,
            range: user.instruction.range,
            message: `${cause}, so the container's process runs as root.`,
            related: [{ path: dockerfile.path, range: finalFrom.range, message: "The final stage (the image that ships) starts here." }],
          }, { cause, imageRunsAsRoot: true }),
        );
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
      let cause: string;
      let message: string;
      if (verdict === "unknown") {
        const image = base.image ? base.image.text : (base.instruction.args[0] ?? "");
        cause = `The final stage sets no USER${note}, so it runs as the default user of base image \`${image}\`, which this rule cannot see`;
        message = `${cause}: unless that image switches to a non-root user itself, the container runs as root.`;
      } else if (base.scratch) {
        cause = `The final stage sets no USER${note} and is built FROM scratch, which has no users`;
        message = `${cause}: the process runs as UID 0, root.`;
      } else {
        cause = `The final stage sets no USER${note}, and base image \`${base.image!.text}\` runs as root by default`;
        message = `${cause}, so the container's process runs as root.`;
      }
      report(
        deployments.adjust(dockerfile, {
          path: dockerfile.path,
          range: finalFrom.range,
          message,
          ...(verdict === "unknown" && { severity: "note" as const }),
        }, { cause, imageRunsAsRoot: verdict === "root" }),
      );
    }
  },
});

/**
 * The Kubernetes containers that run the image a Dockerfile builds, and what they do to its user.
 * Kubernetes objects (and package manifests) are read only when a Dockerfile is about to be reported.
 */
class Deployments {
  private byImageName?: Map<string, ContainerRef[]>;

  constructor(private readonly repo: Repository) {}

  /**
   * The finding for a final stage that runs as root, given the workloads that run its image: a note when
   * every one of them runs it as a non-root user; a warning when they insist on non-root but set no UID
   * for an image that runs as root (the kubelet refuses to start it); otherwise the finding as it was,
   * pointing at a workload that keeps the image's root user.
   */
  adjust(
    dockerfile: DockerfileModel,
    finding: ReportDescriptor,
    image: { cause: string; imageRunsAsRoot: boolean },
  ): ReportDescriptor {
    const name = this.imageName(dockerfile);
    const containers = name === undefined ? [] : (this.containers().get(name) ?? []);
    if (containers.length === 0) return finding;
    const runs = containers.map((container) => {
      const runAs = effectiveRunAs(container, this.repo.workloads);
      return { container, runAs, verdict: runAsVerdict(runAs) };
    });

    const keepsRoot = runs.find((r) => r.verdict === "root" || r.verdict === "image-default" || r.verdict === "unknown");
    if (keepsRoot) {
      return { ...finding, related: [...(finding.related ?? []), keepsRootLocation(keepsRoot.container, keepsRoot.runAs, keepsRoot.verdict)] };
    }

    const required = runs.find((r) => r.verdict === "non-root-required");
    if (required && image.imageRunsAsRoot) {
      const setting = required.runAs.runAsNonRoot!;
      return {
        ...finding,
        message:
          `${image.cause}; ${describe(required.container)} sets \`runAsNonRoot: true\` without a \`runAsUser\`, ` +
          "so the kubelet refuses to start it as root (CreateContainerConfigError): the image itself must run as a non-root UID.",
        fix: "Set `USER` to a non-root numeric UID in the final stage (`USER 65532:65532`), or set `runAsUser` next to `runAsNonRoot`.",
        related: [
          ...(finding.related ?? []),
          { path: setting.object.path, range: setting.object.locateKey(setting.path), message: "`runAsNonRoot: true` without a `runAsUser`: the image's own user (root) applies, which the kubelet rejects." },
        ],
      };
    }

    // Every container that runs the image runs it as non-root: name one (with a UID when there is one).
    const named = runs.find((r) => r.verdict === "non-root" && r.container.role === "main") ?? runs.find((r) => r.verdict === "non-root") ?? runs[0];
    const uid = named.verdict === "non-root" ? (named.runAs.runAsUser!.value as number) : undefined;
    const setting = uid !== undefined ? named.runAs.runAsUser! : named.runAs.runAsNonRoot!;
    const how =
      uid !== undefined
        ? `sets \`runAsUser: ${uid}\`${setting.level === "pod" ? " in its pod securityContext" : ""}`
        : "sets `runAsNonRoot: true`, so the kubelet never starts it as root";
    const others = runs.length - 1;
    const rest = others > 0 ? ` (and the other ${others} ${others === 1 ? "container" : "containers"} running image \`${name}\` run as non-root too)` : "";
    const uids = new Set(runs.map((r) => r.runAs.runAsUser?.value));
    const sameUid = uid !== undefined && uids.size === 1;
    return {
      ...finding,
      severity: "note",
      message:
        `${image.cause}${image.imageRunsAsRoot ? ", so the image runs as root under `docker run`" : ""}; ` +
        `the Kubernetes ${runs.length === 1 ? "workload overrides" : "workloads override"} that: ${describe(named.container)} ${how}${rest}.`,
      fix: sameUid
        ? `Set \`USER ${uid}\` in the final stage too, so the image is non-root wherever it runs (\`docker run\`, Compose, another cluster).`
        : "Set `USER` to a non-root numeric UID in the final stage too, so the image is non-root wherever it runs (`docker run`, Compose, another cluster).",
      related: [
        ...(finding.related ?? []),
        {
          path: setting.object.path,
          range: setting.object.locateKey(setting.path),
          message: `${containerLabel(named.container)} runs this image as non-root.`,
        },
      ],
    };
  }

  /**
   * The image name a Dockerfile builds, by convention: the name of its folder (`src/checkoutservice/Dockerfile`
   * builds `checkoutservice`), when it is the only production Dockerfile there; at the repository root, the
   * last segment of the Go module path or package.json name (when both exist they must agree).
   */
  private imageName(dockerfile: DockerfileModel): string | undefined {
    const dir = folderOf(dockerfile.path);
    const siblings = this.repo.dockerfiles.filter(
      (d) => folderOf(d.path) === dir && !isNonProductionDockerfile(d, scanRelative(this.repo, d.path)),
    );
    if (siblings.length !== 1) return undefined;
    if (dir !== "") return dir.split("/").at(-1)!.toLowerCase();
    const names = new Set<string>();
    const module = this.repo.manifests.goModules.find((m) => m.path === "go.mod")?.module;
    if (module) {
      const segments = module.split("/");
      // `example.com/shop/v2`: the major-version suffix is not the name.
      const last = segments.length > 1 && /^v\d+$/.test(segments.at(-1)!) ? segments.at(-2)! : segments.at(-1)!;
      names.add(last.toLowerCase());
    }
    const pkg = this.repo.manifests.packageJsons.find((p) => p.path === "package.json")?.name;
    if (pkg) names.add(pkg.split("/").at(-1)!.toLowerCase());
    return names.size === 1 ? [...names][0] : undefined;
  }

  /** Containers of production workloads (not kustomize patches, not test or example manifests), by image name. */
  private containers(): Map<string, ContainerRef[]> {
    if (!this.byImageName) {
      this.byImageName = new Map();
      for (const container of this.repo.containers) {
        const { workload } = container;
        if (!container.image || workload.partial || isNonProductionManifest(scanRelative(this.repo, workload.object.path))) continue;
        const list = this.byImageName.get(container.image.name) ?? [];
        list.push(container);
        this.byImageName.set(container.image.name, list);
      }
    }
    return this.byImageName;
  }
}

/** The folder of a repository-relative path ("" at the root). */
function folderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** `container "server" of Deployment "checkout" (k8s/checkout.yaml)`, mid-sentence. */
function describe(container: ContainerRef): string {
  const label = containerLabel(container);
  return `${label[0]!.toLowerCase()}${label.slice(1)} (${container.workload.object.path})`;
}

function keepsRootLocation(container: ContainerRef, runAs: EffectiveRunAs, verdict: RunAsVerdict): { path: string; range: Range; message: string } {
  const object = container.workload.object;
  const setting = runAs.runAsUser;
  if (verdict === "image-default" || !setting) {
    return { path: object.path, range: containerRange(container), message: `${containerLabel(container)} runs this image without a \`runAsUser\`, so the image's own user applies.` };
  }
  const value = JSON.stringify(setting.value);
  return {
    path: setting.object.path,
    range: setting.object.locateKey(setting.path),
    message:
      verdict === "root"
        ? `${containerLabel(container)} runs this image with \`runAsUser: 0\` (root).`
        : `${containerLabel(container)} runs this image with \`runAsUser: ${value}\`, which is not a UID this rule can read.`,
  };
}

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
