import type { ContainerRef, K8sObject, Workload } from "../model/artifacts.js";

// STUB: to be implemented (one pod-spec extractor for every workload kind).
export function extractWorkloads(objects: readonly K8sObject[]): Workload[] {
  void objects;
  return [];
}

export function extractContainers(workloads: readonly Workload[]): ContainerRef[] {
  void workloads;
  return [];
}
