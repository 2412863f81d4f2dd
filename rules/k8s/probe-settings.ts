import type { ContainerRef } from "../../src/model/artifacts.js";
import type { ReportDescriptor } from "../../src/model/finding.js";
import type { ObjectPath, Range } from "../../src/model/location.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { containerLabel, isLongRunning, isNonProductionManifest, isRecord } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

const HANDLERS = ["httpGet", "tcpSocket", "grpc", "exec"] as const;
const PROBES = ["readinessProbe", "livenessProbe", "startupProbe"] as const;

export default defineRule({
  meta: {
    id: "k8s/probe-settings",
    section: "operations",
    title: "Probes check the right port and do not restart healthy but slow pods",
    severity: "warning",
    rationale:
      "A liveness probe that repeats the readiness check restarts containers that are merely busy or waiting on a dependency; a probe on a port the " +
      "container does not have fails forever; a long liveness delay or a single-failure threshold turns slow starts and GC pauses into restart loops.",
    remediation: "Give liveness its own cheap check with tolerant thresholds, point every probe at a declared port, and use a startupProbe for slow starts.",
    docs: `Checks the probes of long-running containers (main containers and native sidecars of workloads that do not
run to completion). Kubernetes defaults, which apply when a field is absent: \`initialDelaySeconds: 0\`,
\`periodSeconds: 10\`, \`timeoutSeconds: 1\`, \`successThreshold: 1\`, \`failureThreshold: 3\`.

- **Liveness identical to readiness** (the same \`httpGet\`, \`grpc\` or \`exec\` handler; thresholds may differ):
  readiness should fail while the container cannot serve (overloaded, a dependency down) so traffic goes
  elsewhere; liveness should fail only when the process is stuck. With one check for both, every readiness
  failure is also a liveness failure and the kubelet restarts containers that would have recovered, often
  all replicas at once. This holds even for a check that only returns SERVING: under load it times out
  (\`timeoutSeconds\`, 1 s by default) for both probes at once. Not reported when liveness fails later than
  readiness (a longer \`failureThreshold × periodSeconds\`): the pattern the Kubernetes documentation describes,
  where the pod leaves the Service before it is restarted. Identical \`tcpSocket\` probes are not reported: a port check does not depend on
  anything else.
- **Probe port** (\`httpGet.port\`, \`tcpSocket.port\`, \`grpc.port\`): a named port that no \`ports[].name\`
  of the container declares never resolves, and the probe always fails (error). A number that is not among
  the declared \`containerPort\`s is a *note*: declaring ports is optional and the process may listen on more.
  Nothing is said when the container declares no ports.
- **Long liveness \`initialDelaySeconds\`** (above \`maxLivenessDelaySeconds\`, default 60) without a
  \`startupProbe\`: the delay is paid on every restart, and a start slower than the guess still ends in a
  restart loop. A \`startupProbe\` with \`failureThreshold × periodSeconds\` covering the slowest start holds
  liveness back only as long as needed.
- **Liveness with \`failureThreshold: 1\`**: one slow answer (longer than \`timeoutSeconds\`, 1 s by
  default: a GC pause, a busy node) restarts the container.
- **\`successThreshold\` other than 1 on a liveness or startup probe**: the API server rejects the object.

Bad:

\`\`\`yaml
ports: [{name: http, containerPort: 8080}]
readinessProbe:
  httpGet: {path: /healthz, port: http}
livenessProbe:
  httpGet: {path: /healthz, port: http}   # the readiness check again
  initialDelaySeconds: 120                # use a startupProbe
  failureThreshold: 1                     # one slow answer restarts it
startupProbe:
  tcpSocket: {port: metrics}              # no port named metrics
\`\`\`

Good:

\`\`\`yaml
readinessProbe:
  httpGet: {path: /ready, port: http}
livenessProbe:
  httpGet: {path: /healthz, port: http}
  timeoutSeconds: 3
startupProbe:
  httpGet: {path: /healthz, port: http}
  periodSeconds: 5
  failureThreshold: 30                    # up to 150 s to start
\`\`\`

Not reported: init containers, Jobs and CronJobs, kustomize patches (their ports live in the base), manifests under
\`test/\`, \`e2e/\`, \`testdata/\`, \`fixtures/\` and \`examples/\`; probe values given as templates.`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "reliability", "probes"],
    precision: "high",
    options: {
      maxLivenessDelaySeconds: {
        type: "number",
        default: 60,
        minimum: 0,
        description: "A liveness `initialDelaySeconds` above this (without a startupProbe) is reported.",
      },
    },
  },
  check({ repo, report, options }) {
    const maxDelay = typeof options.maxLivenessDelaySeconds === "number" ? options.maxLivenessDelaySeconds : 60;
    for (const container of repo.containers) {
      const { workload } = container;
      const object = workload.object;
      if (!isLongRunning(container) || isNonProductionManifest(scanRelative(repo, object.path))) continue;
      const c = container.container;
      const at = (...path: (string | number)[]) => object.locateKey([...container.path, ...path]);
      const valueAt = (...path: (string | number)[]) => object.locate([...container.path, ...path]);
      const label = containerLabel(container);
      const liveness = isRecord(c.livenessProbe) ? c.livenessProbe : undefined;
      const readiness = isRecord(c.readinessProbe) ? c.readinessProbe : undefined;

      if (liveness && readiness) {
        const handler = sameHandler(liveness, readiness);
        // Kubernetes' documented pattern: the same cheap check, with liveness failing later than readiness, so
        // the pod leaves the Service before it is restarted.
        if (handler && failureWindow(liveness) <= failureWindow(readiness)) {
          report({
            path: object.path,
            range: at("livenessProbe"),
            message: `${label} uses the same ${handler} check for liveness as for readiness: when the container is too busy to answer in time (or, if the check covers a dependency, when that is down) — what readiness exists to signal — the kubelet also restarts it, often on every replica at once.`,
            fix: "Make liveness a cheap check of the process alone (a /healthz that touches no dependency) and keep dependency checks in readiness; or keep one cheap check and give liveness a longer failure window (failureThreshold × periodSeconds) than readiness, as the Kubernetes documentation suggests.",
            related: [{ path: object.path, range: at("readinessProbe"), message: "The readiness probe with the same check." }],
          });
        }
      }

      if (!workload.partial) {
        for (const probe of PROBES) checkPort(container, probe, report, valueAt);
      }

      if (liveness) {
        const delay = liveness.initialDelaySeconds;
        if (typeof delay === "number" && delay > maxDelay && !isRecord(c.startupProbe)) {
          report({
            path: object.path,
            range: at("livenessProbe", "initialDelaySeconds"),
            message: `${label} delays its liveness probe by ${delay} s instead of using a startupProbe: the delay is paid again on every restart, and a start slower than the guess still ends in a restart loop.`,
            fix: "Add a startupProbe (the liveness check with failureThreshold × periodSeconds covering the slowest start) and drop the long initialDelaySeconds.",
          });
        }
        if (liveness.failureThreshold === 1) {
          const timeout = typeof liveness.timeoutSeconds === "number" ? liveness.timeoutSeconds : 1;
          report({
            path: object.path,
            range: at("livenessProbe", "failureThreshold"),
            message: `${label} has a liveness probe with failureThreshold 1: a single answer slower than ${timeout} s (timeoutSeconds${liveness.timeoutSeconds === undefined ? ", default 1" : ""}) — a GC pause, a busy node — restarts the container.`,
            fix: "Let liveness fail several times in a row before a restart (failureThreshold 3, the default, or more) and give it a timeoutSeconds above the slowest normal answer.",
          });
        }
      }

      for (const probe of ["livenessProbe", "startupProbe"] as const) {
        const p = c[probe];
        if (isRecord(p) && typeof p.successThreshold === "number" && p.successThreshold !== 1) {
          report({
            path: object.path,
            range: at(probe, "successThreshold"),
            severity: "error",
            message: `${label} sets successThreshold ${p.successThreshold} on its ${probe}: it must be 1 for liveness and startup probes, and the API server rejects the object.`,
            fix: `Remove successThreshold from the ${probe} (it defaults to 1).`,
          });
        }
      }
    }
  },
});

/** The handler both probes use identically (`httpGet`, `grpc`, `exec`), or undefined. */
/** How long a probe must keep failing before it acts: failureThreshold × periodSeconds, with Kubernetes' defaults (3 × 10 s). */
function failureWindow(probe: Record<string, unknown>): number {
  const threshold = typeof probe.failureThreshold === "number" ? probe.failureThreshold : 3;
  const period = typeof probe.periodSeconds === "number" ? probe.periodSeconds : 10;
  return threshold * period;
}

function sameHandler(a: Record<string, unknown>, b: Record<string, unknown>): string | undefined {
  for (const handler of HANDLERS) {
    if (handler === "tcpSocket") continue;
    if (isRecord(a[handler]) && isRecord(b[handler]) && deepEqual(normalise(a[handler]), normalise(b[handler]))) return handler;
  }
  return undefined;
}

/** Drops defaults that make equal probes look different (`scheme: HTTP`, `path: /`). */
function normalise(handler: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...handler };
  if (copy.scheme === "HTTP") delete copy.scheme;
  if (copy.path === "/") delete copy.path;
  if (copy.service === "") delete copy.service;
  return copy;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

type Locate = (...path: (string | number)[]) => Range;

function checkPort(
  container: ContainerRef,
  probe: (typeof PROBES)[number],
  report: (d: ReportDescriptor) => void,
  valueAt: Locate,
) {
  const p = container.container[probe];
  if (!isRecord(p)) return;
  const handler = (["httpGet", "tcpSocket", "grpc"] as const).find((h) => isRecord(p[h]));
  if (!handler) return;
  const port = (p[handler] as Record<string, unknown>).port;
  const ports = Array.isArray(container.container.ports) ? container.container.ports.filter(isRecord) : [];
  if (ports.length === 0 || port === undefined) return;
  const object = container.workload.object;
  const path: ObjectPath = [probe, handler, "port"];
  const declared = ports.map((q) => q.containerPort).filter((n): n is number => typeof n === "number");
  const names = ports.map((q) => q.name).filter((n): n is string => typeof n === "string");
  const list = (xs: (string | number)[]) => xs.map((x) => `\`${x}\``).join(", ");
  if (typeof port === "string" && !/^\d+$/.test(port)) {
    if (names.includes(port) || /[{$]/.test(port)) return;
    report({
      path: object.path,
      range: valueAt(...path),
      severity: "error",
      message: `${containerLabel(container)} points its ${probe} at the port named \`${port}\`, but the container declares ${names.length > 0 ? `only the port names ${list(names)}` : "no port names"}: the kubelet cannot resolve it and the probe always fails.`,
      fix: names.length > 0 ? `Use one of the declared port names (${list(names)}) or a port number.` : `Name the port (\`ports: [{name: ${port}, containerPort: …}]\`) or use its number.`,
    });
    return;
  }
  const number = typeof port === "number" ? port : Number(port);
  if (declared.length === 0 || declared.includes(number)) return;
  report({
    path: object.path,
    range: valueAt(...path),
    severity: "note",
    message: `${containerLabel(container)} probes port ${number} (${probe}), which is not among its declared container ports (${list(declared)}); if the process does not listen there, the probe always fails.`,
    fix: `Probe a declared port, or declare ${number} in the container's ports if the process listens on it.`,
  });
}
