/** Small helpers for Kubernetes rules: safe reads of container fields, labels and anchors for findings. */
import type { ContainerRef, K8sObject, Workload } from "../model/artifacts.js";
import type { Range } from "../model/location.js";

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at `path`, or undefined when any step is missing or of the wrong type. */
export function getIn(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment];
    else if (isRecord(current) && typeof segment === "string") current = current[segment];
    else return undefined;
  }
  return current;
}

/** `Deployment "web"` */
export function objectLabel(object: K8sObject): string {
  return object.name ? `${object.kind} "${object.name}"` : `a ${object.kind} without a name`;
}

/** `Container "app"`, `Init container "migrate"`, `Native sidecar "proxy"` (sentence start). */
export function containerLabel(container: ContainerRef): string {
  const noun = { main: "Container", init: "Init container", sidecar: "Native sidecar", ephemeral: "Ephemeral container" }[container.role];
  return `${noun} "${container.name}" of ${objectLabel(container.workload.object)}`;
}

/** Where findings about a container point: its `name:` key, else the container item. */
export function containerRange(container: ContainerRef): Range {
  return container.workload.object.locateKey([...container.path, "name"]);
}

/** Long-running containers: main containers and native sidecars of workloads that do not run to completion. */
export function isLongRunning(container: ContainerRef): boolean {
  return !container.workload.runsToCompletion && (container.role === "main" || container.role === "sidecar");
}

const NON_PRODUCTION_DIRS = new Set([
  "test",
  "tests",
  "__tests__",
  "testdata",
  "test-data",
  "e2e",
  "fixtures",
  "__fixtures__",
  "example",
  "examples",
  "samples",
]);

/** Manifests for tests, fixtures and examples are not what runs in production. */
export function isNonProductionManifest(path: string): boolean {
  return path
    .toLowerCase()
    .split("/")
    .slice(0, -1)
    .some((dir) => NON_PRODUCTION_DIRS.has(dir));
}

/**
 * The same-named containers in fragments (kustomize patches) of the same workload: an overlay that
 * adds a field to a base the rule would otherwise blame.
 */
export function patchedContainers(workloads: readonly Workload[], container: ContainerRef): Record<string, unknown>[] {
  const object = container.workload.object;
  const list = container.path[container.path.length - 2];
  const found: Record<string, unknown>[] = [];
  for (const patch of workloads) {
    const other = patch.object;
    if (!patch.partial || other === object || other.kind !== object.kind || other.name !== object.name) continue;
    // Overlays often set the namespace in the kustomization instead of the patch.
    if (other.namespace && object.namespace && other.namespace !== object.namespace) continue;
    const containers = patch.podSpec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) if (isRecord(c) && c.name === container.name) found.push(c);
  }
  return found;
}
