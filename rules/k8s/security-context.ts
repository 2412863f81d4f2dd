import type { ContainerRef } from "../../src/model/artifacts.js";
import type { Repository } from "../../src/model/repository.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { isNonProductionDockerfile } from "../../src/rule-kit/docker.js";
import {
  containerLabel,
  containerRange,
  effectiveRunAs,
  getIn,
  isNonProductionManifest,
  isRecord,
  patchedContainers,
  runAsVerdict,
} from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

const CONTROLS = ["runAsNonRoot", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "capabilities"] as const;
type Control = (typeof CONTROLS)[number];

export default defineRule({
  meta: {
    id: "k8s/security-context",
    section: "security",
    title: "Containers drop privileges they do not need",
    severity: "warning",
    rationale:
      "A container that can gain privileges, write its own filesystem and keep Linux capabilities turns one remote-code-execution bug into " +
      "persistence in the container and a short path to the node; the hardening costs nothing for a typical service.",
    remediation:
      "Set `allowPrivilegeEscalation: false`, `readOnlyRootFilesystem: true` and `capabilities: {drop: [ALL]}` in each container's securityContext, and run as a non-root user.",
    docs: `Checks, for every container of every workload (init containers and native sidecars included), the security
controls of the Pod Security Standards *restricted* profile and the read-only root filesystem, as Kubernetes
applies them: each field of a container's \`securityContext\` overrides the same field of the pod's, and
kustomize patches of the workload are applied on top. One finding per container lists every missing control:

| control | where it can be set | satisfied by |
|---|---|---|
| \`runAsNonRoot\` | pod or container | \`runAsNonRoot: true\`, or \`runAsUser\` above 0 |
| \`allowPrivilegeEscalation\` | container only | \`allowPrivilegeEscalation: false\` |
| \`readOnlyRootFilesystem\` | container only | \`readOnlyRootFilesystem: true\` |
| \`capabilities\` | container only | \`capabilities.drop\` containing \`ALL\` |

A container-only field written in the pod's \`securityContext\` is not a pod field (\`k8s/unknown-field\` reports
it) and protects nothing: the message says so.

Bad:

\`\`\`yaml
spec:
  securityContext:
    runAsNonRoot: true
  containers:
    - name: api
      image: registry.example.com/api:1.4.2        # may escalate, writable root, default capabilities
\`\`\`

Good:

\`\`\`yaml
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
  containers:
    - name: api
      image: registry.example.com/api:1.4.2
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true               # mount an emptyDir for /tmp if the app writes there
        capabilities: {drop: [ALL]}
\`\`\`

An explicit \`readOnlyRootFilesystem: false\` is taken as a decision (the application writes to its image) and
not reported. The option \`controls\` lists the controls to check (default: all four); drop \`readOnlyRootFilesystem\` for a
repository whose applications must write to their image.

Not reported:
- \`runAsNonRoot\` for an image built by a Dockerfile of this repository (the Dockerfile's folder name, or for a
  root Dockerfile the Go module's or package's name, is the image name): \`docker/non-root-user\` already reports an image that runs as root, taking the manifests' user
  settings into account;
- \`privileged: true\` and added capabilities, which \`k8s/privileged-container\` reports;
- Windows pods (\`spec.os.name: windows\`), ephemeral debug containers, kustomize patches on their own,
  manifests under \`test/\`, \`e2e/\`, \`testdata/\`, \`fixtures/\` and \`examples/\`; Helm templates (not rendered).`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "security", "least-privilege"],
    precision: "high",
    securitySeverity: 5.0,
    options: {
      controls: {
        type: "string[]",
        default: CONTROLS,
        description: "Controls to check: any of `runAsNonRoot`, `allowPrivilegeEscalation`, `readOnlyRootFilesystem`, `capabilities`.",
      },
    },
  },
  check({ repo, report, options }) {
    const wanted = new Set((Array.isArray(options.controls) ? options.controls : CONTROLS).filter((c): c is Control => (CONTROLS as readonly string[]).includes(c)));
    const builtHere = imagesBuiltHere(repo);
    for (const container of repo.containers) {
      const { workload } = container;
      const object = workload.object;
      if (container.role === "ephemeral" || workload.partial || isNonProductionManifest(scanRelative(repo, object.path))) continue;
      if (getIn(workload.podSpec, ["os", "name"]) === "windows") continue;
      const own = effectiveContainerContext(repo, container);
      const podContext = isRecord(workload.podSpec.securityContext) ? workload.podSpec.securityContext : {};
      const missing: string[] = [];
      const atPod = (field: string) => (podContext[field] !== undefined ? " (set in the pod's securityContext, where it is not a field and is ignored)" : "");

      if (wanted.has("runAsNonRoot") && !(container.image && builtHere.has(container.image.name))) {
        const verdict = runAsVerdict(effectiveRunAs(container, repo.workloads));
        if (verdict === "root") missing.push("a non-root user: `runAsUser: 0` runs it as root");
        else if (verdict === "image-default") missing.push("`runAsNonRoot: true` (or a non-root `runAsUser`): without it the image's default user, often root, applies");
      }
      if (wanted.has("allowPrivilegeEscalation") && own.allowPrivilegeEscalation !== false) {
        missing.push(
          own.allowPrivilegeEscalation === true
            ? "`allowPrivilegeEscalation` is explicitly `true`: set it to `false` so setuid binaries and exploits cannot gain privileges"
            : `\`allowPrivilegeEscalation: false\`${atPod("allowPrivilegeEscalation")}: setuid binaries and kernel exploits can gain privileges the process did not start with`,
        );
      }
      // An explicit `false` is a decision (the application writes to its image), not an omission.
      if (wanted.has("readOnlyRootFilesystem") && own.readOnlyRootFilesystem === undefined) {
        missing.push(`\`readOnlyRootFilesystem: true\`${atPod("readOnlyRootFilesystem")}: an attacker can write tools and persistence into the container's filesystem`);
      }
      if (wanted.has("capabilities") && !dropsAll(own.capabilities)) {
        missing.push(`\`capabilities: {drop: [ALL]}\`${atPod("capabilities")}: the process keeps the runtime's default capabilities (NET_RAW, CHOWN, SETUID, ...)`);
      }
      if (missing.length === 0) continue;
      const hasContext = isRecord(container.container.securityContext);
      report({
        path: object.path,
        range: hasContext ? object.locateKey([...container.path, "securityContext"]) : containerRange(container),
        message: `${containerLabel(container)} is missing ${missing.length === 1 ? "a security control" : `${missing.length} security controls`}: ${missing.join("; ")}.`,
      });
    }
  },
});

/** The container's own securityContext fields, with kustomize patches of the workload applied (later wins). */
function effectiveContainerContext(repo: Repository, container: ContainerRef): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const c of [container.container, ...patchedContainers(repo.workloads, container)]) {
    if (isRecord(c.securityContext)) {
      for (const [key, value] of Object.entries(c.securityContext)) if (value !== null && value !== undefined) merged[key] = value;
    }
  }
  return merged;
}

function dropsAll(capabilities: unknown): boolean {
  const drop = isRecord(capabilities) ? capabilities.drop : undefined;
  return Array.isArray(drop) && drop.some((c) => typeof c === "string" && c.toUpperCase() === "ALL");
}

/**
 * Names of images that a production Dockerfile of this repository builds, by the convention
 * docker/non-root-user uses: the Dockerfile's folder name is the image name.
 */
function imagesBuiltHere(repo: Repository): Set<string> {
  const names = new Set<string>();
  for (const dockerfile of repo.dockerfiles) {
    if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
    const folder = dockerfile.path.split("/").slice(0, -1).at(-1);
    if (folder) names.add(folder.toLowerCase());
    else {
      // A root Dockerfile builds the repository's own service: named after its Go module or package.
      const module = repo.manifests.goModules.find((m) => m.path === "go.mod")?.module?.split("/").filter((s) => !/^v\d+$/.test(s)).at(-1);
      const pkg = repo.manifests.packageJsons.find((p) => p.path === "package.json")?.name?.split("/").at(-1);
      for (const name of [module, pkg]) if (name) names.add(name.toLowerCase());
    }
  }
  return names;
}
