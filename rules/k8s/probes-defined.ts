import { defineRule } from "../../src/rule-kit/define-rule.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import {
  containerLabel,
  containerRange,
  isLongRunning,
  isNonProductionManifest,
  isRecord,
  namespaceOf,
  objectLabel,
  patchedContainers,
  servicesSelecting,
} from "../../src/rule-kit/kubernetes.js";
import type { K8sObject, Workload } from "../../src/model/artifacts.js";

const HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"];

const PROBES = [
  {
    field: "readinessProbe",
    // Only asked of containers whose pod a Service selects (see `routedBy`); `{services}` names them.
    why: "traffic from {services} reaches it as soon as it starts, and keeps reaching it while it is overloaded or broken; rolling updates also count it available before it can serve",
    fix: "Add a readinessProbe that fails while the container cannot serve (dependencies down, still warming up), e.g. an httpGet on a /ready endpoint or a grpc health check.",
    // A native sidecar's readiness is part of the pod's readiness.
    whySidecar: "the pod counts as ready before this sidecar works, and stays ready while it is broken, so traffic from {services} reaches the pod",
  },
  {
    field: "livenessProbe",
    why: "if it deadlocks or hangs without exiting, Kubernetes never restarts it",
    whySidecar: "if it deadlocks or hangs without exiting, Kubernetes never restarts it",
    fix: "Add a cheap livenessProbe that checks only the process itself (an httpGet on /healthz, a grpc health check or tcpSocket), never its dependencies.",
  },
] as const;

function hasHandler(probe: unknown): boolean {
  return isRecord(probe) && HANDLERS.some((h) => isRecord(probe[h]));
}

/**
 * The Services that route traffic to the workload's pods, one per namespace/name: repositories often
 * hold several copies of the same manifests, and the copies are one Service (the nearest is kept).
 */
function routedBy(objects: readonly K8sObject[], workload: Workload): K8sObject[] {
  const seen = new Set<string>();
  return servicesSelecting(objects, workload).filter((service) => {
    const key = `${namespaceOf(service)}/${service.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `Service "web"`, `Services "web" and "web-canary"`, `Services "a", "b" and 2 more`. */
function servicesLabel(services: readonly K8sObject[]): string {
  const names = services.map((s) => `"${s.name}"`);
  if (names.length === 1) return `Service ${names[0]}`;
  if (names.length <= 3) return `Services ${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `Services ${names.slice(0, 2).join(", ")} and ${names.length - 2} more`;
}

export default defineRule({
  meta: {
    id: "k8s/probes-defined",
    section: "operations",
    title: "Long-running containers define readiness and liveness probes",
    severity: "error",
    rationale:
      "Without a readiness probe a pod that a Service selects receives traffic before it can serve and while it is failing; without a liveness probe a hung process is never restarted.",
    remediation: "Add a readinessProbe and a livenessProbe (httpGet, tcpSocket, grpc or exec) to each long-running container.",
    docs: `Checks every long-running container — the main containers of Deployments, StatefulSets, DaemonSets,
ReplicaSets, bare Pods and custom workloads with a pod template (Argo Rollouts and similar), and native
sidecars (init containers with \`restartPolicy: Always\`) — for a \`readinessProbe\` and a \`livenessProbe\`
with a handler. One finding per missing probe, at the container's \`name:\`.

A readiness probe decides whether Services route traffic to the pod (and when a rollout counts a new pod
available). A missing one is an error only when some Service in the scanned manifests selects the pod:
a core \`v1\` Service in the same namespace (a missing namespace is \`default\`, in any file or folder)
whose every \`spec.selector\` label is among the pod template's labels with the same value. The finding
names the Service and points at its selector as a related location. When no Service selects the pod — a
queue worker, a load generator — the missing readiness probe is only a note: it affects rollouts, not
traffic. A Service without a selector (or an \`ExternalName\` one) selects nothing; a Service in an
unrendered Helm chart or applied from elsewhere is not seen, so check such notes by hand. A missing
liveness probe is an error whether or not a Service selects the pod.

Bad:

\`\`\`yaml
kind: Service
spec:
  selector: {app: api}
---
kind: Deployment
spec:
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api                       # no readinessProbe (error: Service "api" selects it), no livenessProbe
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
    const routes = new Map<Workload, K8sObject[]>();
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
        let services: K8sObject[] = [];
        if (field === "readinessProbe") {
          services = routes.get(workload) ?? routedBy(repo.kubernetes, workload);
          routes.set(workload, services);
        }
        if (isRecord(probe)) {
          report({
            path,
            range: workload.object.locateKey([...container.path, field]),
            message: `${containerLabel(container)} has a ${field} without a handler (exec, httpGet, tcpSocket or grpc): the API server rejects the manifest.`,
          });
        } else if (field === "readinessProbe" && services.length === 0) {
          // Readiness only gates Service endpoints and rollouts: without a Service, a worker needs none.
          const effect =
            workload.object.kind === "Pod"
              ? "no traffic waits for it to be ready"
              : "readiness routes no traffic and only decides when a rollout counts a new pod available";
          report({
            path,
            range: containerRange(container),
            severity: "note",
            message: `${containerLabel(container)} has no readinessProbe; no Service in the scanned manifests selects its pod, so ${effect}.`,
            fix: "If a Service (elsewhere, or in an unrendered Helm chart) routes to this pod, add a readinessProbe; otherwise add one only if rollouts should wait until the container works.",
          });
        } else {
          report({
            path,
            range: containerRange(container),
            message: `${containerLabel(container)} has no ${field}: ${why.replace("{services}", servicesLabel(services))}.`,
            fix: probeKind.fix,
            related: services.map((service) => ({
              path: service.path,
              range: service.locateKey(["spec", "selector"]),
              message: `Selected by ${objectLabel(service)}${namespaceOf(service) === "default" ? "" : ` in namespace "${namespaceOf(service)}"`}.`,
            })),
          });
        }
      }
    }
  },
});
