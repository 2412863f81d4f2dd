import { defineRule } from "../../src/rule-kit/define-rule.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import {
  containerLabel,
  containerRange,
  isLongRunning,
  isNonProductionManifest,
  isRecord,
  patchedContainers,
} from "../../src/rule-kit/kubernetes.js";

const HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"];

const PROBES = [
  {
    field: "readinessProbe",
    why: "Kubernetes routes traffic to it as soon as it starts, and keeps routing while it is overloaded or broken; rolling updates also count it available before it can serve",
    // A native sidecar's readiness is part of the pod's readiness.
    whySidecar: "the pod counts as ready before this sidecar works, and stays ready while it is broken",
  },
  {
    field: "livenessProbe",
    why: "if it deadlocks or hangs without exiting, Kubernetes never restarts it",
    whySidecar: "if it deadlocks or hangs without exiting, Kubernetes never restarts it",
  },
] as const;

function hasHandler(probe: unknown): boolean {
  return isRecord(probe) && HANDLERS.some((h) => isRecord(probe[h]));
}

export default defineRule({
  meta: {
    id: "k8s/probes-defined",
    section: "operations",
    title: "Long-running containers define readiness and liveness probes",
    severity: "error",
    rationale:
      "Without a readiness probe a pod receives traffic before it can serve and while it is failing; without a liveness probe a hung process is never restarted.",
    remediation: "Add a readinessProbe and a livenessProbe (httpGet, tcpSocket, grpc or exec) to each long-running container.",
    docs: `Checks every long-running container — the main containers of Deployments, StatefulSets, DaemonSets,
ReplicaSets, bare Pods and custom workloads with a pod template (Argo Rollouts and similar), and native
sidecars (init containers with \`restartPolicy: Always\`) — for a \`readinessProbe\` and a \`livenessProbe\`
with a handler. One finding per missing probe, at the container's \`name:\`.

Bad:

\`\`\`yaml
containers:
  - name: api
    image: registry.example.com/api:1.4.2
    ports: [{containerPort: 8080}]
\`\`\`

Good:

\`\`\`yaml
containers:
  - name: api
    image: registry.example.com/api:1.4.2
    ports: [{containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /ready, port: 8080}
    livenessProbe:
      httpGet: {path: /healthz, port: 8080}
      failureThreshold: 3
\`\`\`

A probe without a handler (\`readinessProbe: {periodSeconds: 5}\`) is reported too: the API server rejects it.

Not reported:
- init containers (they run to completion before the pod starts), ephemeral debug containers;
- Jobs, CronJobs and Pods with \`restartPolicy: Never\` or \`OnFailure\`: they run to completion and take no traffic;
- the readiness probe of a Knative Service, which Knative adds itself;
- kustomize patches and other fragments whose containers have no image; and a base workload whose
  overlay patch adds the probe;
- manifests under \`test/\`, \`e2e/\`, \`testdata/\`, \`fixtures/\` and \`examples/\` folders;
- Helm templates, which are reported as not rendered: scan the output of \`helm template\` instead.

Use a \`startupProbe\` for slow starters rather than a long \`initialDelaySeconds\`; make the liveness probe
cheaper and more tolerant than the readiness probe, and never make it depend on downstream services.`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "reliability", "probes"],
    precision: "high",
  },
  check({ repo, report }) {
    for (const container of repo.containers) {
      const { workload } = container;
      if (!isLongRunning(container) || workload.partial || isNonProductionManifest(scanRelative(repo, workload.object.path))) continue;
      const knative = workload.object.apiVersion.startsWith("serving.knative.dev/");
      for (const probeKind of PROBES) {
        const field = probeKind.field;
        const why = container.role === "sidecar" ? probeKind.whySidecar : probeKind.why;
        if (knative && field === "readinessProbe") continue;
        const probe = container.container[field];
        if (hasHandler(probe)) continue;
        if (patchedContainers(repo.workloads, container).some((c) => hasHandler(c[field]))) continue;
        const path = workload.object.path;
        if (isRecord(probe)) {
          report({
            path,
            range: workload.object.locateKey([...container.path, field]),
            message: `${containerLabel(container)} has a ${field} without a handler (exec, httpGet, tcpSocket or grpc): the API server rejects the manifest.`,
          });
        } else {
          report({
            path,
            range: containerRange(container),
            message: `${containerLabel(container)} has no ${field}: ${why}.`,
          });
        }
      }
    }
  },
});
