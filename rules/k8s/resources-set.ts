import type { ContainerRef, K8sObject, Workload } from "../../src/model/artifacts.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import {
  containerLabel,
  containerRange,
  getIn,
  isNonProductionManifest,
  isRecord,
  patchedContainers,
} from "../../src/rule-kit/kubernetes.js";

interface Requirement {
  label: string;
  /** Where a value satisfies it, in order: a limit alone also sets the request to the same value. */
  paths: string[][];
  /** LimitRange fields that default it for containers. */
  defaults: string[][];
}

const REQUIREMENTS: Requirement[] = [
  {
    label: "CPU request",
    paths: [["requests", "cpu"], ["limits", "cpu"]],
    defaults: [["defaultRequest", "cpu"], ["default", "cpu"]],
  },
  {
    label: "memory request",
    paths: [["requests", "memory"], ["limits", "memory"]],
    defaults: [["defaultRequest", "memory"], ["default", "memory"]],
  },
  {
    label: "memory limit",
    paths: [["limits", "memory"]],
    defaults: [["default", "memory"]],
  },
];

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

/** Satisfied by the container, by pod-level resources (Kubernetes 1.32+), or by an overlay's patch. */
function satisfied(requirement: Requirement, container: ContainerRef, patches: Record<string, unknown>[]): boolean {
  const sources = [container.container.resources, container.workload.podSpec.resources, ...patches.map((p) => p.resources)];
  return sources.some((resources) => requirement.paths.some((path) => isSet(getIn(resources, path))));
}

/** Container defaults from LimitRanges that may apply to the workload's namespace. */
function limitRangeDefaults(objects: readonly K8sObject[], workload: Workload): Record<string, unknown>[] {
  const namespace = workload.object.namespace;
  const defaults: Record<string, unknown>[] = [];
  for (const object of objects) {
    if (object.kind !== "LimitRange") continue;
    // A missing namespace is decided at apply time (`-n`, kustomize): it may be the same one.
    if (object.namespace && namespace && object.namespace !== namespace) continue;
    const limits = getIn(object.body, ["spec", "limits"]);
    if (!Array.isArray(limits)) continue;
    for (const limit of limits) if (isRecord(limit) && limit.type === "Container") defaults.push(limit);
  }
  return defaults;
}

const CONSEQUENCES = {
  requests:
    "without requests the scheduler places the pod without knowing what it needs, and the pod is among the first evicted when the node runs short",
  limit: "without a memory limit a leak can exhaust the node's memory and get other pods evicted or OOM-killed",
};

export default defineRule({
  meta: {
    id: "k8s/resources-set",
    section: "operations",
    title: "Containers set CPU and memory requests and a memory limit",
    severity: "warning",
    rationale:
      "Requests let the scheduler place pods where they fit and protect them from eviction; a memory limit stops one leaking container from starving the node.",
    remediation: "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on each container.",
    docs: `Checks main containers, native sidecars and init containers of every workload (Jobs and CronJobs
included) for a CPU request, a memory request and a memory limit. One finding per container, listing what is
missing, at the container's \`name:\`.

Bad:

\`\`\`yaml
containers:
  - name: api
    image: registry.example.com/api:1.4.2
\`\`\`

Good:

\`\`\`yaml
containers:
  - name: api
    image: registry.example.com/api:1.4.2
    resources:
      requests: {cpu: 250m, memory: 256Mi}
      limits: {memory: 256Mi}
\`\`\`

Decisions:
- **Init containers are checked.** The pod's effective request is the larger of its largest init container
  and the sum of its other containers, so an init container takes part in scheduling and in the pod's QoS
  class, and a memory-hungry migration without a limit can hurt the node like any other container.
- **A CPU limit is not required.** CPU is throttled, not fatal, and many teams leave CPU limits off on purpose.
- A limit without a request counts as both: Kubernetes sets the request to the limit.
- Pod-level \`spec.resources\` (Kubernetes 1.32+) and the \`default\` / \`defaultRequest\` of a \`LimitRange\` of
  type Container in the same (or an unspecified) namespace count as set.
- Ephemeral debug containers cannot have resources and are skipped; so are kustomize patches and other
  fragments without images, a base whose overlay patch sets the resources, and manifests under \`test/\`,
  \`e2e/\`, \`testdata/\`, \`fixtures/\` and \`examples/\` folders.`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "reliability", "resources"],
    precision: "high",
  },
  check({ repo, report }) {
    for (const container of repo.containers) {
      const { workload } = container;
      if (container.role === "ephemeral" || workload.partial || isNonProductionManifest(scanRelative(repo, workload.object.path))) continue;
      const patches = patchedContainers(repo.workloads, container);
      const defaults = limitRangeDefaults(repo.kubernetes, workload);
      const missing = REQUIREMENTS.filter(
        (r) => !satisfied(r, container, patches) && !defaults.some((d) => r.defaults.some((path) => isSet(getIn(d, path)))),
      ).map((r) => r.label);
      if (missing.length === 0) continue;
      const consequences = [
        ...(missing.some((m) => m.endsWith("request")) ? [CONSEQUENCES.requests] : []),
        ...(missing.includes("memory limit") ? [CONSEQUENCES.limit] : []),
      ];
      report({
        path: workload.object.path,
        range: containerRange(container),
        message: `${containerLabel(container)} sets no ${listOf(missing)}: ${consequences.join("; ")}.`,
      });
    }
  },
});

function listOf(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}
