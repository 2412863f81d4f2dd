import type { K8sObject, Workload } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { getIn, isNonProductionManifest, isRecord, objectLabel, servicesSelecting, workloadPatches } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { autoscalersOf, groupCopies, replicasOf } from "../../src/rule-kit/workload-links.js";

const KINDS = new Set(["Deployment", "StatefulSet"]);

/** Replicas a kustomization sets for the workload (`replicas: [{name, count}]`), when any does. */
function kustomizeReplicas(objects: readonly K8sObject[], name: string): number | undefined {
  let found: number | undefined;
  for (const object of objects) {
    if (object.kind !== "Kustomization" || !Array.isArray(object.body.replicas)) continue;
    for (const entry of object.body.replicas) {
      if (isRecord(entry) && entry.name === name && typeof entry.count === "number") found = Math.max(found ?? 0, entry.count);
    }
  }
  return found;
}

/** The largest replica count any patch of the workload sets. */
function patchedReplicas(workloads: readonly Workload[], workload: Workload): number | undefined {
  let found: number | undefined;
  for (const patch of workloadPatches(workloads, workload)) {
    const value = getIn(patch.object.body, ["spec", "replicas"]);
    if (typeof value === "number") found = Math.max(found ?? 0, value);
  }
  return found;
}

export default defineRule({
  meta: {
    id: "k8s/replicas-redundant",
    section: "operations",
    title: "Deployments and StatefulSets behind a Service run more than one replica",
    severity: "warning",
    rationale:
      "With a single replica every node drain, eviction, crash or rollout of a pod that cannot surge takes the service down until a new pod is ready.",
    remediation: "Set spec.replicas to 2 or more, or scale the workload with a HorizontalPodAutoscaler whose minReplicas is 2 or more.",
    docs: `Checks Deployments and StatefulSets whose pods a core Service selects (same namespace, every
selector label among the pod template's labels) for at least \`minReplicas\` replicas (2 by default).
A missing \`spec.replicas\` is 1. The finding points at \`spec.replicas\`, or at the object's \`kind:\`
when the field is missing.

This follows kube-score's *Deployment Replicas* check (a warning, only for workloads a Service targets),
and extends it to StatefulSets.

Bad:

\`\`\`yaml
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1            # one node drain and the Service "api" has no endpoints
  template:
    metadata: {labels: {app: api}}
\`\`\`

Good:

\`\`\`yaml
kind: Deployment
metadata: {name: api}
spec:
  replicas: 3
\`\`\`

For a datastore image (Redis, PostgreSQL, MySQL, MongoDB, RabbitMQ, Kafka, Elasticsearch, etcd, ...) the fix
says not to simply raise the count: replicas of a Deployment are separate stores behind one Service; a
managed service or a replicated StatefulSet is the way.

Not reported:
- workloads scaled by a HorizontalPodAutoscaler or a KEDA \`ScaledObject\` (they own the replica count;
  a \`minReplicas: 1\` there is a deliberate choice);
- workloads no Service selects: queue workers and schedulers are often single on purpose (leader jobs);
- a replica count set by a kustomize overlay patch or a kustomization's \`replicas:\` field to 2 or more;
- templated counts, kustomize fragments, DaemonSets, Jobs, and manifests under \`test/\`, \`e2e/\`,
  \`testdata/\`, \`fixtures/\` and \`examples/\` folders.`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "reliability", "availability"],
    precision: "high",
    options: {
      minReplicas: { type: "number", default: 2, minimum: 1, description: "Fewest replicas a Service-backed workload should run." },
    },
  },
  check({ repo, report, options }) {
    const minimum = options.minReplicas as number;
    const found: { object: K8sObject; written: number | undefined; service: K8sObject; datastore: string | undefined }[] = [];
    for (const workload of repo.workloads) {
      const object = workload.object;
      if (!KINDS.has(object.kind) || !object.apiVersion.startsWith("apps/") || workload.partial) continue;
      if (isNonProductionManifest(scanRelative(repo, object.path))) continue;
      const written = replicasOf(workload);
      if (written === "unknown") continue;
      const replicas = Math.max(written ?? 1, patchedReplicas(repo.workloads, workload) ?? 0, kustomizeReplicas(repo.kubernetes, object.name) ?? 0);
      if (replicas >= minimum) continue;
      if (autoscalersOf(repo.kubernetes, workload).length > 0) continue;
      const service = servicesSelecting(repo.kubernetes, workload)[0];
      if (service) found.push({ object, written, service, datastore: datastoreImage(workload.podSpec) });
    }
    // Copies of the same Deployment (plain manifests, a kustomize base, a release bundle): one finding.
    for (const [first, ...copies] of groupCopies(found)) {
      const { object, written, service, datastore } = first!;
      const count = written === undefined ? "no spec.replicas (1 replica)" : `replicas: ${written}`;
      report({
        path: object.path,
        range: written === undefined ? object.range : object.locateKey(["spec", "replicas"]),
        message: `${objectLabel(object)} has ${count} and ${objectLabel(service)} routes traffic to it: a node drain, eviction or crash of that pod leaves the Service without endpoints until a new pod is ready.${copies.length > 0 ? ` The same holds for ${copies.length} ${copies.length === 1 ? "copy" : "copies"} of it in other files.` : ""}`,
        related: [
          { path: service.path, range: service.locateKey(["spec", "selector"]), message: `${objectLabel(service)} selects its pods.` },
          ...copies.map((c) => ({ path: c.object.path, range: c.object.range, message: `A copy of ${objectLabel(c.object)} with the same replica count problem.` })),
        ],
        // More replicas of a datastore Deployment are separate stores behind one Service (carts split between them).
        ...(datastore
          ? {
              fix: `Do not just raise replicas: each ${datastore} pod of a Deployment keeps its own data. Use a managed ${datastore}, or run it replicated (a StatefulSet with the store's own replication or failover, e.g. an operator) with a PodDisruptionBudget.`,
            }
          : {}),
      });
    }
  },
});

/** Images of stores that keep state in the pod: replicas of a Deployment would not share it. */
const DATASTORE_IMAGE = /(^|\/)(redis|valkey|keydb|postgres|postgresql|mysql|mariadb|mongo|mongodb|rabbitmq|kafka|zookeeper|elasticsearch|opensearch|etcd|cassandra|minio|nats)(:|@|$)/;

function datastoreImage(podSpec: Record<string, unknown>): string | undefined {
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  for (const container of containers) {
    const image = isRecord(container) && typeof container.image === "string" ? container.image.toLowerCase() : "";
    const match = DATASTORE_IMAGE.exec(image.replace(/^[^/]+\.[^/]+\//, "").replace(/^(library|bitnami)\//, ""));
    if (match) return match[2]!;
  }
  return undefined;
}
