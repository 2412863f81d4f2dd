import type { ContainerRef, K8sObject, Workload } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { getIn, isNonProductionManifest, isRecord, objectLabel, selectorMatches, serviceSelector } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { posix } from "../../src/rule-kit/posix-path.js";
import { declaredPorts, mayShareNamespace } from "../../src/rule-kit/workload-links.js";

function workloadsLabel(workloads: readonly Workload[]): string {
  const names = [...new Set(workloads.map((w) => objectLabel(w.object)))];
  return names.length <= 2 ? names.join(" and ") : `${names.slice(0, 2).join(", ")} and ${names.length - 2} more`;
}

/** A literal numeric PORT env var of the container: the port the app listens on. */
function portEnv(container: ContainerRef): number | undefined {
  const env = container.container.env;
  if (!Array.isArray(env)) return undefined;
  const entry = env.find((e) => isRecord(e) && e.name === "PORT");
  const value = isRecord(entry) ? entry.value : undefined;
  return typeof value === "number" ? value : typeof value === "string" && /^\d{1,5}$/.test(value) ? Number(value) : undefined;
}

/**
 * Repositories often hold several copies of the same manifests (plain, kustomize base, a rendered
 * release): a Service goes with the workloads in its own file, else its own folder, else anywhere.
 */
function nearest(service: K8sObject, workloads: Workload[]): Workload[] {
  const sameFile = workloads.filter((w) => w.object.path === service.path);
  if (sameFile.length > 0) return sameFile;
  const sameDir = workloads.filter((w) => posix.dirname(w.object.path) === posix.dirname(service.path));
  return sameDir.length > 0 ? sameDir : workloads;
}

export default defineRule({
  meta: {
    id: "k8s/service-targets-pods",
    section: "operations",
    title: "Services select pods and target a port those pods declare",
    severity: "error",
    rationale:
      "A Service whose selector matches no pod, or whose targetPort names a port the pods do not have, has no endpoints: every request to it fails although all pods are healthy.",
    remediation: "Make the Service's selector a subset of the pod template's labels and point targetPort at a containerPort (number or name) of those pods.",
    docs: `Checks every core Service with a selector against the workloads in the scanned manifests (same
namespace; an object without a namespace matches one in the same folder):

- **selector matches no pod** (warning): reported only when the Service's own folder holds workloads —
  then its pods are evidently meant to be there and a label differs (a typo, a renamed \`app\` label).
  A Service alone in its folder may select pods made by an operator or a chart elsewhere: silent;
- **named \`targetPort\` that no selected container declares** (error): Kubernetes resolves a named
  targetPort per pod from \`ports[].name\`; a pod without that name is never an endpoint;
- **numeric \`targetPort\`** (or \`port\` when targetPort is omitted) **that no selected container declares**
  (warning), only when the selected containers declare ports at all: \`containerPort\` is informational,
  so a container that declares none may still listen there, but one that declares 8080 while the Service
  sends to 8081 is almost always a stale number.

Bad:

\`\`\`yaml
kind: Service
spec:
  selector: {app: patient-rpc}
  ports:
    - port: 80
      targetPort: http        # the container's port is named "grpc"
\`\`\`

Good:

\`\`\`yaml
kind: Service
spec:
  selector: {app: patient-rpc}
  ports:
    - port: 8080
      targetPort: grpc
\`\`\`

Not reported: Services without a selector (manually managed Endpoints), \`ExternalName\` Services,
kustomize fragments, and manifests under \`test/\`, \`e2e/\`, \`testdata/\`, \`fixtures/\` and \`examples/\`.
Whether the process really listens on the port is \`cross/port-consistency\`'s question.`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "reliability", "networking"],
    precision: "high",
  },
  check({ repo, report }) {
    const workloads = repo.workloads.filter((w) => !w.partial && !isNonProductionManifest(scanRelative(repo, w.object.path)));
    for (const service of repo.kubernetes) {
      const selector = serviceSelector(service);
      if (!selector || isNonProductionManifest(scanRelative(repo, service.path))) continue;
      const candidates = workloads.filter((w) => mayShareNamespace(service, w.object));
      const selected = nearest(service, candidates.filter((w) => selectorMatches(selector, w.podMetadata.labels)));
      if (selected.length === 0) {
        const nearby = candidates.filter((w) => posix.dirname(w.object.path) === posix.dirname(service.path) && !w.runsToCompletion);
        if (nearby.length === 0) continue;
        report({
          path: service.path,
          range: service.locateKey(["spec", "selector"]),
          severity: "warning",
          message: `${objectLabel(service)} selects no pods: no workload in the scanned manifests has all of its selector labels (${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(", ")}), so it has no endpoints. ${workloadsLabel(nearby)} beside it ${nearby.length === 1 ? "has" : "have"} different pod labels.`,
          related: nearby.slice(0, 3).map((w) => ({
            path: w.object.path,
            range: w.podMetadataPath ? w.object.locateKey([...w.podMetadataPath, "labels"]) : w.object.range,
            message: `Pod labels of ${objectLabel(w.object)}.`,
          })),
        });
        continue;
      }
      const containers = repo.containers.filter((c) => selected.includes(c.workload) && (c.role === "main" || c.role === "sidecar"));
      const ports = containers.flatMap((c) => declaredPorts(c).map((p) => ({ ...p, container: c })));
      const list = getIn(service.body, ["spec", "ports"]);
      if (!Array.isArray(list)) continue;
      list.forEach((entry, index) => {
        if (!isRecord(entry)) return;
        const target = entry.targetPort ?? entry.port;
        const targetPath = entry.targetPort === undefined ? ["spec", "ports", index, "port"] : ["spec", "ports", index, "targetPort"];
        const range = service.locate(targetPath);
        const portLabel = typeof entry.name === "string" ? `port "${entry.name}"` : `port ${String(entry.port)}`;
        const owners = workloadsLabel(selected);
        if (typeof target === "string" && !/^\d+$/.test(target)) {
          if (ports.some((p) => p.name === target)) return;
          report({
            path: service.path,
            range,
            message: `${objectLabel(service)} ${portLabel} targets the port named "${target}", but no container of ${owners} declares a port with that name: those pods are never endpoints for it and every request fails.`,
            related: containers.slice(0, 3).map((c) => ({
              path: c.workload.object.path,
              range: c.workload.object.locateKey([...c.path, Array.isArray(c.container.ports) ? "ports" : "name"]),
              message: `Ports of container "${c.name}"${ports.some((p) => p.container === c) ? `: ${declaredPorts(c).map((p) => (p.name ? `${p.name}=${p.port}` : String(p.port))).join(", ")}` : " (none declared)"}.`,
            })),
          });
          return;
        }
        const number = typeof target === "number" ? target : typeof target === "string" ? Number(target) : undefined;
        if (number === undefined || ports.length === 0 || ports.some((p) => p.port === number)) return;
        // The app listens where the Service sends: the stale number is the containerPort (cross/port-consistency).
        if (containers.some((c) => portEnv(c) === number)) return;
        report({
          path: service.path,
          range,
          severity: "warning",
          message: `${objectLabel(service)} ${portLabel} sends traffic to port ${number}, but the containers of ${owners} declare ${[...new Set(ports.map((p) => p.port))].join(", ")}: unless the process also listens on ${number}, every request fails.`,
          related: ports.slice(0, 3).map((p) => ({
            path: p.container.workload.object.path,
            range: p.container.workload.object.locate(p.path),
            message: `containerPort of container "${p.container.name}".`,
          })),
        });
      });
    }
  },
});
