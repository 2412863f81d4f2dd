import { defineRule } from "../../src/rule-kit/define-rule.js";
import { containerLabel, isNonProductionManifest, isRecord } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

/** Capabilities that amount to root on the node (or to every capability). */
const DANGEROUS = new Set(["ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO", "DAC_READ_SEARCH", "BPF", "NET_ADMIN"]);

export default defineRule({
  meta: {
    id: "k8s/privileged-container",
    section: "security",
    title: "No container runs privileged or adds node-level capabilities",
    severity: "error",
    rationale:
      "A privileged container, or one granted SYS_ADMIN and similar capabilities, can reach the node's devices and kernel: " +
      "whoever compromises it controls the node and every pod on it.",
    remediation: "Remove `privileged: true` and the dangerous `capabilities.add` entries; grant only the narrow capability the workload needs.",
    docs: `Reports containers whose \`securityContext\` sets \`privileged: true\`, or adds a capability that is as good as
root on the node: \`ALL\`, \`SYS_ADMIN\`, \`SYS_MODULE\`, \`SYS_PTRACE\`, \`SYS_RAWIO\`, \`DAC_READ_SEARCH\`, \`BPF\`,
\`NET_ADMIN\`. Both are container-only fields; kustomize patches of the workload are applied. The finding
points at the setting (in a kustomize patch when the patch adds it).

Bad:

\`\`\`yaml
securityContext:
  privileged: true
  capabilities:
    add: [SYS_ADMIN]
\`\`\`

Good:

\`\`\`yaml
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop: [ALL]
    add: [NET_BIND_SERVICE]     # narrow, needed to bind port 80 as non-root
\`\`\`

Not reported: narrow capabilities (\`NET_BIND_SERVICE\`, \`CHOWN\`, ...), whose absence from \`drop: [ALL]\`
\`k8s/security-context\` covers; ephemeral debug containers; manifests under \`test/\`, \`e2e/\`, \`testdata/\`,
\`fixtures/\` and \`examples/\`. Node agents (CNI plugins, CSI drivers, log shippers) may need privileges: suppress
the finding for them with a reason.`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "security", "least-privilege"],
    precision: "very-high",
    securitySeverity: 8.0,
  },
  check({ repo, report }) {
    for (const container of repo.containers) {
      const { workload } = container;
      if (container.role === "ephemeral" || isNonProductionManifest(scanRelative(repo, workload.object.path))) continue;
      // Kustomize patches are containers of their own: a patch that adds the privilege is reported at the patch.
      const object = workload.object;
      const context = container.container.securityContext;
      if (!isRecord(context)) continue;
      const at = [...container.path, "securityContext"];
      if (context.privileged === true) {
        report({
          path: object.path,
          range: object.locateKey([...at, "privileged"]),
          message: `${containerLabel(container)} runs privileged: it has every capability and the node's devices, so a compromise of this container is a compromise of the node.`,
        });
      }
      const add = isRecord(context.capabilities) && Array.isArray(context.capabilities.add) ? context.capabilities.add : [];
      add.forEach((cap, index) => {
        if (typeof cap !== "string") return;
        const name = cap.toUpperCase().replace(/^CAP_/, "");
        if (!DANGEROUS.has(name)) return;
        report({
          path: object.path,
          range: object.locate([...at, "capabilities", "add", index]),
          message: `${containerLabel(container)} adds the capability ${name}${name === "ALL" ? " (every capability)" : ""}, which is as good as root on the node: a compromise of this container reaches the kernel and other pods.`,
        });
      });
    }
  },
});
