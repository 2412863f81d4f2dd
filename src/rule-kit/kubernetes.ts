/** Small helpers for Kubernetes rules: safe reads of container fields, labels and anchors for findings. */
import type { ContainerRef, K8sObject, Workload } from "../model/artifacts.js";
import type { ObjectPath, Range } from "../model/location.js";

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
 * The fragments (kustomize patches) of the same workload: same kind and name, and the same namespace
 * when both give one.
 */
export function workloadPatches(workloads: readonly Workload[], workload: Workload): Workload[] {
  const object = workload.object;
  return workloads.filter((patch) => {
    const other = patch.object;
    if (!patch.partial || other === object || other.kind !== object.kind || other.name !== object.name) return false;
    // Overlays often set the namespace in the kustomization instead of the patch.
    return !(other.namespace && object.namespace && other.namespace !== object.namespace);
  });
}

/** The same-named container in the same list (`containers`, `initContainers`, ...) of a patch, with its path. */
function patchedContainerRefs(workloads: readonly Workload[], container: ContainerRef): { patch: Workload; container: Record<string, unknown>; path: ObjectPath }[] {
  const list = container.path[container.path.length - 2];
  const found: { patch: Workload; container: Record<string, unknown>; path: ObjectPath }[] = [];
  for (const patch of workloadPatches(workloads, container.workload)) {
    const containers = typeof list === "string" ? patch.podSpec[list] : undefined;
    if (!Array.isArray(containers)) continue;
    containers.forEach((c, index) => {
      if (isRecord(c) && c.name === container.name) found.push({ patch, container: c, path: [...patch.podSpecPath, list as string, index] });
    });
  }
  return found;
}

/**
 * The same-named containers in fragments (kustomize patches) of the same workload: an overlay that
 * adds a field to a base the rule would otherwise blame.
 */
export function patchedContainers(workloads: readonly Workload[], container: ContainerRef): Record<string, unknown>[] {
  return patchedContainerRefs(workloads, container).map((p) => p.container);
}

/** A securityContext field in effect for a container, and where it is set (for `related` locations). */
export interface SecuritySetting {
  value: unknown;
  object: K8sObject;
  /** Path of the field in `object.body`. */
  path: ObjectPath;
  /** Set in the pod's securityContext or in the container's own. */
  level: "pod" | "container";
}

/** The user settings Kubernetes applies to a container; absent when neither the pod nor the container sets them. */
export interface EffectiveRunAs {
  runAsUser?: SecuritySetting;
  runAsNonRoot?: SecuritySetting;
}

const RUN_AS_FIELDS = ["runAsUser", "runAsNonRoot"] as const;

/**
 * The `runAsUser` and `runAsNonRoot` in effect for a container: each field of the container's
 * `securityContext` overrides the same field of the pod's `securityContext`. When `workloads` is given,
 * kustomize patches of the workload (see `workloadPatches`) are applied on top of the base, at each level.
 * A `null` value counts as unset.
 */
export function effectiveRunAs(container: ContainerRef, workloads: readonly Workload[] = []): EffectiveRunAs {
  const { workload } = container;
  const patches = workloads.length > 0 ? workloadPatches(workloads, workload) : [];
  const patchedRefs = workloads.length > 0 ? patchedContainerRefs(workloads, container) : [];
  const result: EffectiveRunAs = {};
  for (const field of RUN_AS_FIELDS) {
    const read = (object: K8sObject, base: ObjectPath, holder: unknown, level: SecuritySetting["level"]): SecuritySetting | undefined => {
      const value = getIn(holder, ["securityContext", field]);
      return value === undefined || value === null ? undefined : { value, object, path: [...base, "securityContext", field], level };
    };
    let pod = read(workload.object, workload.podSpecPath, workload.podSpec, "pod");
    for (const patch of patches) pod = read(patch.object, patch.podSpecPath, patch.podSpec, "pod") ?? pod;
    let own = read(workload.object, container.path, container.container, "container");
    for (const ref of patchedRefs) own = read(ref.patch.object, ref.path, ref.container, "container") ?? own;
    const setting = own ?? pod;
    if (setting) result[field] = setting;
  }
  return result;
}

/**
 * Who a container runs as, as far as its manifests decide it:
 * - `non-root`: `runAsUser` is a UID above 0;
 * - `root`: `runAsUser: 0` (with `runAsNonRoot: true` as well, the kubelet refuses to start it);
 * - `non-root-required`: `runAsNonRoot: true` without `runAsUser`: the image's own user applies, and the
 *   kubelet refuses to start the container when that user is root (or a name it cannot check);
 * - `image-default`: neither is set (or `runAsNonRoot: false`): the image's own user applies;
 * - `unknown`: `runAsUser` is not a plain non-negative integer (a template, a string).
 */
export type RunAsVerdict = "non-root" | "root" | "non-root-required" | "image-default" | "unknown";

export function runAsVerdict(runAs: EffectiveRunAs): RunAsVerdict {
  if (runAs.runAsUser) {
    const uid = runAs.runAsUser.value;
    if (typeof uid !== "number" || !Number.isInteger(uid) || uid < 0) return "unknown";
    return uid > 0 ? "non-root" : "root";
  }
  return runAs.runAsNonRoot?.value === true ? "non-root-required" : "image-default";
}

/** The namespace an object is applied to: its own, else "default" (what `kubectl apply` uses without `-n`). */
export function namespaceOf(object: K8sObject): string {
  return object.namespace || "default";
}

/** A label value as Kubernetes compares it; undefined for anything that is not a scalar. */
function labelValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** A core Service's label selector; undefined when it selects nothing (no or empty selector, ExternalName). */
export function serviceSelector(service: K8sObject): Record<string, string> | undefined {
  if (service.kind !== "Service" || service.apiVersion !== "v1") return undefined;
  const spec = service.body.spec;
  if (!isRecord(spec) || spec.type === "ExternalName" || !isRecord(spec.selector)) return undefined;
  const selector: Record<string, string> = {};
  for (const [key, raw] of Object.entries(spec.selector)) {
    const value = labelValue(raw);
    if (value === undefined) return undefined;
    selector[key] = value;
  }
  return Object.keys(selector).length > 0 ? selector : undefined;
}

/** True when every label of `selector` is among `labels` with the same value. */
export function selectorMatches(selector: Readonly<Record<string, string>>, labels: unknown): boolean {
  if (!isRecord(labels)) return false;
  return Object.entries(selector).every(([key, value]) => labelValue(labels[key]) === value);
}

type SelectingService = { service: K8sObject; selector: Record<string, string> };
const servicesCache = new WeakMap<readonly K8sObject[], SelectingService[]>();

function servicesWithSelectors(objects: readonly K8sObject[]): SelectingService[] {
  let services = servicesCache.get(objects);
  if (!services) {
    services = [];
    for (const object of objects) {
      const selector = serviceSelector(object);
      if (selector) services.push({ service: object, selector });
    }
    servicesCache.set(objects, services);
  }
  return services;
}

/** Number of leading folders two repository-relative paths share. */
function sharedFolders(a: string, b: string): number {
  const x = a.split("/").slice(0, -1);
  const y = b.split("/").slice(0, -1);
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}

/**
 * The core Services among `objects` (pass `repo.kubernetes`: the whole input, a Service in one folder
 * selects a Deployment in another) that select the pods of `workload`: same namespace (missing means
 * "default"), and every selector label present in the pod template's labels with the same value.
 * A Service without a selector, with an empty one, or of type ExternalName selects nothing.
 * Nearest first: Services in the workload's own file, then by how many folders they share with it
 * (repositories often hold several copies of the same manifests).
 */
export function servicesSelecting(objects: readonly K8sObject[], workload: Workload): K8sObject[] {
  const object = workload.object;
  const namespace = namespaceOf(object);
  const labels = workload.podMetadata.labels;
  if (!isRecord(labels)) return [];
  const distance = (service: K8sObject): [number, number] =>
    service.path === object.path
      ? [0, Math.abs(service.documentIndex - object.documentIndex)]
      : [1, -sharedFolders(service.path, object.path)];
  return servicesWithSelectors(objects)
    .filter(({ service, selector }) => namespaceOf(service) === namespace && selectorMatches(selector, labels))
    .map(({ service }, index) => ({ service, index, key: distance(service) }))
    .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.index - b.index)
    .map(({ service }) => service);
}
