/**
 * Links between Kubernetes objects beyond Services (PodDisruptionBudgets, HorizontalPodAutoscalers,
 * ServiceMonitors) and the ports a pod declares. Pure functions over the model.
 */
import type { ContainerRef, K8sObject, Workload } from "../model/artifacts.js";
import type { ObjectPath } from "../model/location.js";
import { getIn, isRecord } from "./kubernetes.js";
import { posix } from "./posix-path.js";

/**
 * Whether two objects can live in the same namespace: the same one, or one of them leaves it to apply
 * time (`kubectl -n`, a kustomization's or an Argo CD Application's namespace) and both sit in the same
 * folder. Two different explicit namespaces never match.
 */
export function mayShareNamespace(a: K8sObject, b: K8sObject): boolean {
  if (a.namespace && b.namespace) return a.namespace === b.namespace;
  if (!a.namespace && !b.namespace) return true;
  return posix.dirname(a.path) === posix.dirname(b.path);
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/**
 * A `metav1.LabelSelector` (`matchLabels` and `matchExpressions`) against a pod's labels. Undefined when
 * the selector cannot be read (templated, unknown operator); an empty selector matches every pod.
 */
export function labelSelectorMatches(selector: unknown, labels: unknown): boolean | undefined {
  if (!isRecord(selector)) return undefined;
  const podLabels = isRecord(labels) ? labels : {};
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isRecord(matchLabels)) return undefined;
    for (const [key, raw] of Object.entries(matchLabels)) {
      const value = scalarText(raw);
      if (value === undefined) return undefined;
      if (scalarText(podLabels[key]) !== value) return false;
    }
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) return undefined;
    for (const expression of matchExpressions) {
      if (!isRecord(expression) || typeof expression.key !== "string") return undefined;
      const values = Array.isArray(expression.values) ? expression.values.map(scalarText) : [];
      const actual = scalarText(podLabels[expression.key]);
      switch (expression.operator) {
        case "In":
          if (actual === undefined || !values.includes(actual)) return false;
          break;
        case "NotIn":
          if (actual !== undefined && values.includes(actual)) return false;
          break;
        case "Exists":
          if (actual === undefined) return false;
          break;
        case "DoesNotExist":
          if (actual !== undefined) return false;
          break;
        default:
          return undefined;
      }
    }
  }
  return true;
}

/** HorizontalPodAutoscalers (and KEDA ScaledObjects) that scale `workload`. */
export function autoscalersOf(objects: readonly K8sObject[], workload: Workload): K8sObject[] {
  const target = workload.object;
  return objects.filter((object) => {
    const ref =
      object.kind === "HorizontalPodAutoscaler"
        ? getIn(object.body, ["spec", "scaleTargetRef"])
        : object.kind === "ScaledObject"
          ? getIn(object.body, ["spec", "scaleTargetRef"])
          : undefined;
    if (!isRecord(ref) || ref.name !== target.name) return false;
    const kind = typeof ref.kind === "string" ? ref.kind : "Deployment";
    return kind === target.kind && mayShareNamespace(object, target);
  });
}

/** `spec.replicas` as written: a number, undefined when absent (1), or "unknown" when templated. */
export function replicasOf(workload: Workload): number | "unknown" | undefined {
  const value = getIn(workload.object.body, ["spec", "replicas"]);
  if (value === undefined || value === null) return undefined;
  return typeof value === "number" && Number.isInteger(value) ? value : "unknown";
}

// ---------------------------------------------------------------------------------------------
// Ports

export interface DeclaredPort {
  name?: string;
  port: number;
  protocol: string;
  /** Path of the `containerPort` value in the object body. */
  path: ObjectPath;
}

/** The `ports[]` a container declares (entries without a numeric containerPort are skipped). */
export function declaredPorts(container: ContainerRef): DeclaredPort[] {
  const ports = container.container.ports;
  if (!Array.isArray(ports)) return [];
  const out: DeclaredPort[] = [];
  ports.forEach((entry, index) => {
    if (!isRecord(entry) || typeof entry.containerPort !== "number") return;
    out.push({
      ...(typeof entry.name === "string" ? { name: entry.name } : {}),
      port: entry.containerPort,
      protocol: typeof entry.protocol === "string" ? entry.protocol : "TCP",
      path: [...container.path, "ports", index, "containerPort"],
    });
  });
  return out;
}

export interface ProbePort {
  probe: "readinessProbe" | "livenessProbe" | "startupProbe";
  handler: "httpGet" | "tcpSocket" | "grpc";
  /** A number, or a port name (httpGet and tcpSocket only). */
  port: number | string;
  /** Path of the `port` value in the object body. */
  path: ObjectPath;
}

export function probePorts(container: ContainerRef): ProbePort[] {
  const out: ProbePort[] = [];
  for (const probe of ["readinessProbe", "livenessProbe", "startupProbe"] as const) {
    for (const handler of ["httpGet", "tcpSocket", "grpc"] as const) {
      const port = getIn(container.container, [probe, handler, "port"]);
      if (typeof port === "number" || (typeof port === "string" && port !== "")) {
        out.push({ probe, handler, port: typeof port === "string" && /^\d+$/.test(port) ? Number(port) : port, path: [...container.path, probe, handler, "port"] });
      }
    }
  }
  return out;
}

/**
 * Groups findings about copies of the same object (same kind, namespace and name in several files: a
 * plain copy, a kustomize base, a rendered release bundle) so a rule reports the first and lists the others
 * as related locations instead of repeating itself.
 */
export function groupCopies<T extends { object: K8sObject }>(items: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  const sorted = [...items].sort((a, b) => a.object.path.localeCompare(b.object.path) || a.object.documentIndex - b.object.documentIndex);
  for (const item of sorted) {
    const o = item.object;
    const key = `${o.apiVersion.split("/")[0]}|${o.kind}|${o.namespace ?? ""}|${o.name}`;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()];
}
