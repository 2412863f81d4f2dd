/**
 * The one place that knows where each workload kind keeps its pod spec (kube-linter's
 * `extract.PodSpec`), so every Kubernetes rule is written once against `Workload` / `ContainerRef`.
 */
import { posix } from "node:path";
import type { ContainerRef, ContainerRole, K8sObject, Workload } from "../model/artifacts.js";
import type { ObjectPath } from "../model/location.js";
import { parseImageRef } from "./image-ref.js";
import { isRecord } from "./yaml-documents.js";

const TEMPLATE_SPEC = ["spec", "template", "spec"] as const;
const JOB_TEMPLATE_SPEC = ["spec", "jobTemplate", "spec", "template", "spec"] as const;

/** Built-in kinds and where their pod spec lives. */
const BUILTIN_POD_SPECS: Record<string, readonly string[]> = {
  Pod: ["spec"],
  Deployment: TEMPLATE_SPEC,
  StatefulSet: TEMPLATE_SPEC,
  DaemonSet: TEMPLATE_SPEC,
  ReplicaSet: TEMPLATE_SPEC,
  ReplicationController: TEMPLATE_SPEC,
  Job: TEMPLATE_SPEC,
  CronJob: JOB_TEMPLATE_SPEC,
};

/** API groups of the built-in kinds; the same kind name in another group is a custom resource. */
function isBuiltinGroup(apiVersion: string): boolean {
  return apiVersion === "v1" || /^(apps|extensions|batch)\/v\w+$/.test(apiVersion);
}

function getIn(value: unknown, path: readonly (string | number)[]): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment];
    else if (isRecord(current) && typeof segment === "string") current = current[segment];
    else return undefined;
  }
  return current;
}

/** Where `object` keeps its pod spec, or undefined when it has none. */
function podSpecPathOf(object: K8sObject): readonly string[] | undefined {
  const builtin = isBuiltinGroup(object.apiVersion) ? BUILTIN_POD_SPECS[object.kind] : undefined;
  if (builtin) return isRecord(getIn(object.body, builtin)) ? builtin : undefined;
  if (object.kind === "List" || isBuiltinGroup(object.apiVersion)) return undefined;
  // Custom resources that embed a pod template (Argo Rollouts, Knative Services, OpenKruise,
  // KEDA ScaledJobs): recognised by a template whose spec lists containers.
  for (const path of [TEMPLATE_SPEC, JOB_TEMPLATE_SPEC]) {
    const spec = getIn(object.body, path);
    if (isRecord(spec) && Array.isArray(spec.containers)) return path;
  }
  return undefined;
}

export function extractWorkloads(objects: readonly K8sObject[]): Workload[] {
  const patchFiles = kustomizePatchFiles(objects);
  const workloads: Workload[] = [];
  for (const object of objects) {
    const podSpecPath = podSpecPathOf(object);
    if (!podSpecPath) continue;
    const podSpec = getIn(object.body, podSpecPath) as Record<string, unknown>;
    const hasTemplate = podSpecPath.length > 1;
    const podMetadataPath = hasTemplate ? [...podSpecPath.slice(0, -1), "metadata"] : undefined;
    const podMetadata = getIn(object.body, podMetadataPath ?? ["metadata"]);
    const restartPolicy = podSpec.restartPolicy;
    const runsToCompletion =
      object.kind === "Job" ||
      object.kind === "CronJob" ||
      podSpecPath === JOB_TEMPLATE_SPEC ||
      restartPolicy === "Never" ||
      restartPolicy === "OnFailure";
    const workload: Workload = {
      object,
      podSpecPath,
      podSpec,
      podMetadataPath,
      podMetadata: isRecord(podMetadata) ? podMetadata : {},
      runsToCompletion,
    };
    if (patchFiles.has(object.path) || lacksImages(podSpec)) workload.partial = true;
    workloads.push(workload);
  }
  return workloads;
}

/** A pod spec whose containers have no image cannot be applied as written: it is a patch or fragment. */
function lacksImages(podSpec: Record<string, unknown>): boolean {
  const containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
  return containers.some((c) => isRecord(c) && typeof c.image !== "string");
}

/** Files that kustomizations (and kustomize components) apply as patches to objects defined elsewhere. */
function kustomizePatchFiles(objects: readonly K8sObject[]): Set<string> {
  const files = new Set<string>();
  for (const object of objects) {
    if (object.kind !== "Kustomization" && object.kind !== "Component") continue;
    const dir = posix.dirname(object.path);
    const add = (entry: unknown) => {
      // Entries holding YAML text are inline patches, not file names.
      if (typeof entry === "string" && !entry.includes("\n")) files.add(posix.normalize(posix.join(dir, entry)));
    };
    const { patchesStrategicMerge, patches } = object.body;
    if (Array.isArray(patchesStrategicMerge)) patchesStrategicMerge.forEach(add);
    if (Array.isArray(patches)) patches.forEach((p) => add(isRecord(p) ? p.path : undefined));
  }
  return files;
}

const CONTAINER_LISTS: { field: string; role: ContainerRole }[] = [
  { field: "initContainers", role: "init" },
  { field: "containers", role: "main" },
  { field: "ephemeralContainers", role: "ephemeral" },
];

export function extractContainers(workloads: readonly Workload[]): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const workload of workloads) {
    for (const { field, role } of CONTAINER_LISTS) {
      const list = workload.podSpec[field];
      if (!Array.isArray(list)) continue;
      list.forEach((container, index) => {
        if (!isRecord(container)) return;
        const path: ObjectPath = [...workload.podSpecPath, field, index];
        // An init container that keeps running (restartPolicy Always) is a native sidecar.
        const actualRole: ContainerRole = role === "init" && container.restartPolicy === "Always" ? "sidecar" : role;
        const image = typeof container.image === "string" ? parseImageRef(container.image) : undefined;
        refs.push({
          workload,
          container,
          path,
          role: actualRole,
          name: typeof container.name === "string" ? container.name : `${field}[${index}]`,
          ...(image ? { image } : {}),
        });
      });
    }
  }
  return refs;
}
