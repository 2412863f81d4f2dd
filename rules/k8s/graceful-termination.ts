import type { ContainerRef } from "../../src/model/artifacts.js";
import type { ObjectPath } from "../../src/model/location.js";
import { commandConfig, goZeroShutdownWait, isGoZeroConfig } from "../../src/rule-kit/app-config.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { isNonProductionDockerfile } from "../../src/rule-kit/docker.js";
import { dockerfileForContainer } from "../../src/rule-kit/image-links.js";
import { containerLabel, containerRange, getIn, isLongRunning, isNonProductionManifest } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

/** Kubernetes' default terminationGracePeriodSeconds. */
const DEFAULT_GRACE = 30;

/** How long the container's preStop hook sleeps, and where that is written. */
function preStopSleep(container: ContainerRef): { seconds: number; path: ObjectPath } | undefined {
  const base = [...container.path, "lifecycle", "preStop"];
  const native = getIn(container.container, ["lifecycle", "preStop", "sleep", "seconds"]);
  if (typeof native === "number") return { seconds: native, path: [...base, "sleep", "seconds"] };
  const command = getIn(container.container, ["lifecycle", "preStop", "exec", "command"]);
  if (!Array.isArray(command)) return undefined;
  for (let i = 0; i < command.length; i++) {
    const word = command[i];
    if (typeof word !== "string") continue;
    // ["sleep", "15"] or ["/bin/sh", "-c", "sleep 15 && nginx -s quit"]
    const next = command[i + 1];
    if (/(^|\/)sleep$/.test(word) && (typeof next === "string" || typeof next === "number") && /^\d+(\.\d+)?s?$/.test(String(next))) {
      return { seconds: parseFloat(String(next)), path: [...base, "exec", "command", i + 1] };
    }
    const inline = /(?:^|[;&|\s])sleep\s+(\d+(?:\.\d+)?)s?(?=$|[\s;&|])/.exec(word);
    if (inline) return { seconds: parseFloat(inline[1]!), path: [...base, "exec", "command", i] };
  }
  return undefined;
}

function seconds(n: number): string {
  return `${Number.isInteger(n) ? n : n.toFixed(1)} s`;
}

export default defineRule({
  meta: {
    id: "k8s/graceful-termination",
    section: "operations",
    title: "terminationGracePeriodSeconds leaves the app time to drain after preStop",
    severity: "warning",
    rationale:
      "Kubernetes counts the preStop hook and the app's shutdown against one grace period, then kills the container: a preStop sleep as long as the grace period, or a grace period shorter than the app's own shutdown timeout, cuts in-flight requests off on every rollout.",
    remediation: "Make terminationGracePeriodSeconds longer than the preStop sleep plus the app's shutdown timeout.",
    docs: `When a pod stops, the kubelet runs the container's \`preStop\` hook, then sends SIGTERM, and sends SIGKILL
when \`terminationGracePeriodSeconds\` (30 by default) has passed **since the start of the hook**. So the app
gets *grace − preStop sleep* seconds to finish in-flight requests.

- **preStop sleep ≥ grace period** (error): the hook is cut off and the container killed before the app
  ever receives SIGTERM — it never drains. Reported at the sleep, naming the grace period.
- **grace period − preStop sleep < the app's shutdown timeout** (warning): the app is killed while still
  draining. Reported at \`terminationGracePeriodSeconds\` (or the preStop sleep when the default 30 s
  applies), with the app's setting as a related location.

The app's shutdown timeout is known for **go-zero** services: \`Shutdown.WaitTime\` in the config file the
image's \`CMD\` loads (\`-f etc/app.yaml\`), 5.5 s when unset — go-zero waits that long after SIGTERM
before forcing the process to exit. The workload is linked to its Dockerfile as described in
\`cross/port-consistency\` (Skaffold artifacts, or an image named after the Dockerfile's folder); without a
definite link only the preStop check runs.

A preStop sleep is read from the native \`sleep: {seconds: N}\` action and from exec commands
(\`["sleep", "15"]\`, \`["/bin/sh", "-c", "sleep 15 && ..."]\`).

Bad:

\`\`\`yaml
spec:
  terminationGracePeriodSeconds: 10
  containers:
    - name: api
      lifecycle:
        preStop:
          exec: {command: ["sleep", "10"]}   # error: killed before SIGTERM
\`\`\`

\`\`\`yaml
# etc/api.yaml (go-zero)
Shutdown:
  WaitTime: 30s        # the deployment's grace period is 20 s: warning
\`\`\`

Good:

\`\`\`yaml
spec:
  terminationGracePeriodSeconds: 45    # 10 s preStop + 30 s WaitTime + margin
  containers:
    - name: api
      lifecycle:
        preStop:
          sleep: {seconds: 10}
\`\`\`

Not reported: Jobs and CronJobs, init containers, templated values, Node/other apps whose shutdown timeout
cannot be read, kustomize fragments, and manifests under \`test/\`, \`e2e/\`, \`testdata/\`, \`fixtures/\` and
\`examples/\` folders. A missing preStop hook is not reported: whether endpoint removal needs one depends on
the ingress and mesh in front of the pod.`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "reliability", "shutdown"],
    precision: "high",
  },
  check({ repo, report }) {
    for (const container of repo.containers) {
      const workload = container.workload;
      if (!isLongRunning(container) || workload.partial) continue;
      if (isNonProductionManifest(scanRelative(repo, workload.object.path))) continue;
      const object = workload.object;
      const gracePath = [...workload.podSpecPath, "terminationGracePeriodSeconds"];
      const written = workload.podSpec.terminationGracePeriodSeconds;
      if (written !== undefined && typeof written !== "number") continue;
      const grace = written ?? DEFAULT_GRACE;
      const graceText = written === undefined ? `the default terminationGracePeriodSeconds of ${DEFAULT_GRACE} s` : `terminationGracePeriodSeconds: ${grace}`;
      const graceRelated = written === undefined ? [] : [{ path: object.path, range: object.locateKey(gracePath), message: "The pod's grace period." }];
      const sleep = preStopSleep(container);
      if (sleep && sleep.seconds >= grace) {
        report({
          path: object.path,
          range: object.locate(sleep.path),
          severity: "error",
          message: `${containerLabel(container)} sleeps ${seconds(sleep.seconds)} in its preStop hook, but ${graceText} counts from the start of the hook: the container is killed before it ever receives SIGTERM, so in-flight requests are cut off on every rollout.`,
          related: graceRelated,
        });
        continue;
      }
      if (container.role !== "main") continue;
      const link = dockerfileForContainer(repo, container);
      if (!link || isNonProductionDockerfile(link.dockerfile, scanRelative(repo, link.dockerfile.path))) continue;
      const config = commandConfig(repo, link.dockerfile);
      if (!config || !isGoZeroConfig(config.doc)) continue;
      const wait = goZeroShutdownWait(config.doc);
      if (!wait) continue;
      const left = grace - (sleep?.seconds ?? 0);
      if (left >= wait.seconds) continue;
      const setting = wait.path ? `Shutdown.WaitTime of ${seconds(wait.seconds)} in ${config.doc.path}` : `go-zero's default Shutdown.WaitTime of 5.5 s (${config.doc.path} sets none)`;
      report({
        path: object.path,
        range: written !== undefined ? object.locateKey(gracePath) : sleep ? object.locate(sleep.path) : containerRange(container),
        message: `${containerLabel(container)} gets ${seconds(left)} after SIGTERM (${graceText}${sleep ? ` minus a ${seconds(sleep.seconds)} preStop sleep` : ""}), but the app waits up to its ${setting} to drain: it is killed mid-shutdown and in-flight requests fail.`,
        related: [
          { path: config.doc.path, range: wait.path ? config.doc.locate(wait.path) : config.doc.locate([]), message: wait.path ? "The app's shutdown timeout." : "The app's config (loaded by the image's CMD); it keeps go-zero's default shutdown timeout." },
          ...(sleep && written !== undefined ? [{ path: object.path, range: object.locate(sleep.path), message: "The preStop sleep." }] : []),
        ],
      });
    }
  },
});
