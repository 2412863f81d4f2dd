import type { K8sObject, Workload } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { getIn, isNonProductionManifest, objectLabel, workloadPatches } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { autoscalersOf, groupCopies, labelSelectorMatches, mayShareNamespace, replicasOf } from "../../src/rule-kit/workload-links.js";

const KINDS = new Set(["Deployment", "StatefulSet"]);

/** Whether some PodDisruptionBudget covers the pods; undefined when one could but its selector cannot be read. */
function covered(objects: readonly K8sObject[], workload: Workload): boolean | undefined {
  let unknown = false;
  for (const object of objects) {
    if (object.kind !== "PodDisruptionBudget" || !mayShareNamespace(object, workload.object)) continue;
    const matches = labelSelectorMatches(getIn(object.body, ["spec", "selector"]), workload.podMetadata.labels);
    if (matches) return true;
    if (matches === undefined) unknown = true;
  }
  return unknown ? undefined : false;
}

function replicated(objects: readonly K8sObject[], workloads: readonly Workload[], workload: Workload): boolean {
  if (autoscalersOf(objects, workload).length > 0) return true;
  const counts = [replicasOf(workload), ...workloadPatches(workloads, workload).map(replicasOf)];
  return counts.some((c) => typeof c === "number" && c >= 2);
}

export default defineRule({
  meta: {
    id: "k8s/pod-disruption-budget",
    section: "operations",
    title: "Replicated Deployments and StatefulSets are covered by a PodDisruptionBudget",
    severity: "error",
    rationale:
      "Without a PodDisruptionBudget a node drain or cluster upgrade may evict every replica at once, and the service is down although it runs several pods.",
    remediation: "Add a PodDisruptionBudget in the same namespace whose selector matches the pod labels, with minAvailable or maxUnavailable set.",
    docs: `Checks every Deployment and StatefulSet that runs two or more replicas (\`spec.replicas\` ≥ 2, in the
object or a kustomize patch of it) or is scaled by a HorizontalPodAutoscaler / KEDA \`ScaledObject\` for a
\`PodDisruptionBudget\` that covers its pods: same namespace (an object without a namespace matches one
in the same folder, since the namespace is then chosen at apply time), and a \`spec.selector\`
(\`matchLabels\` and \`matchExpressions\`) that matches the pod template's labels.

This follows kube-score's *Deployment has PodDisruptionBudget* / *StatefulSet has PodDisruptionBudget*
checks, which rate a missing budget critical and skip workloads with fewer than two replicas. Unlike
kube-score, a missing \`spec.replicas\` counts as 1 (what Kubernetes runs), so it is skipped too.

Bad:

\`\`\`yaml
kind: Deployment
metadata: {name: api}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: api}}
# no PodDisruptionBudget: \`kubectl drain\` may evict all three at once
\`\`\`

Good:

\`\`\`yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: api}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: api}
\`\`\`

Not reported: single-replica workloads (see \`k8s/replicas-redundant\`; a budget on one replica only
blocks drains), a budget whose selector cannot be read (templated), DaemonSets, kustomize fragments,
and manifests under \`test/\`, \`e2e/\`, \`testdata/\`, \`fixtures/\` and \`examples/\` folders.`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "reliability", "availability"],
    precision: "high",
  },
  check({ repo, report }) {
    const found: { object: K8sObject }[] = [];
    for (const workload of repo.workloads) {
      const object = workload.object;
      if (!KINDS.has(object.kind) || !object.apiVersion.startsWith("apps/") || workload.partial) continue;
      if (isNonProductionManifest(scanRelative(repo, object.path))) continue;
      if (!replicated(repo.kubernetes, repo.workloads, workload)) continue;
      if (covered(repo.kubernetes, workload) !== false) continue;
      found.push({ object });
    }
    // Copies of the same object in several files (plain, kustomize base, release bundle): one finding.
    for (const [first, ...copies] of groupCopies(found)) {
      const object = first!.object;
      report({
        path: object.path,
        range: object.range,
        message: `${objectLabel(object)} runs several replicas but no PodDisruptionBudget in its namespace selects its pods: a node drain or cluster upgrade may evict all of them at once.`,
        related: copies.map((c) => ({ path: c.object.path, range: c.object.range, message: `A copy of ${objectLabel(c.object)}, equally without a PodDisruptionBudget.` })),
      });
    }
  },
});
