import type { ContainerRef, DockerfileModel, K8sObject, Workload } from "../../src/model/artifacts.js";
import type { ReportDescriptor } from "../../src/model/finding.js";
import type { Range } from "../../src/model/location.js";
import type { Repository } from "../../src/model/repository.js";
import { commandConfig, configValue, isGoZeroConfig } from "../../src/rule-kit/app-config.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { isNonProductionDockerfile } from "../../src/rule-kit/docker.js";
import { dockerfileForContainer } from "../../src/rule-kit/image-links.js";
import { containerLabel, containerRange, getIn, isLongRunning, isNonProductionManifest, isRecord, selectorMatches, serviceSelector } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { posix } from "../../src/rule-kit/posix-path.js";
import { labelSelectorMatches, mayShareNamespace } from "../../src/rule-kit/workload-links.js";

/** Imports that mean the program serves a Prometheus endpoint. */
const GO_METRICS = new Set(["github.com/prometheus/client_golang/prometheus/promhttp"]);
const TS_METRICS = new Set(["prom-client", "@willsoto/nestjs-prometheus", "express-prom-bundle", "fastify-metrics"]);

interface Evidence {
  path: string;
  range: Range;
  what: string;
}

/** What one Go file contributes: the Prometheus import it makes (tests and generated files contribute nothing). */
interface FileFacts {
  module: string;
  range: Range;
}

const POD_MONITOR_KINDS = new Set(["PodMonitor", "PodMonitoring", "ClusterPodMonitoring"]);

/** Whether something in the manifests makes Prometheus scrape the workload's pods. */
function scraped(objects: readonly K8sObject[], workload: Workload): boolean {
  const annotations = [workload.podMetadata.annotations, getIn(workload.object.body, ["metadata", "annotations"])];
  if (annotations.some((a) => isRecord(a) && String(a["prometheus.io/scrape"]) === "true")) return true;
  const labels = workload.podMetadata.labels;
  const services = objects.filter((o) => {
    const selector = serviceSelector(o);
    return selector !== undefined && mayShareNamespace(o, workload.object) && selectorMatches(selector, labels);
  });
  for (const object of objects) {
    const anyNamespace = getIn(object.body, ["spec", "namespaceSelector", "any"]) === true || object.kind.startsWith("Cluster");
    if (POD_MONITOR_KINDS.has(object.kind)) {
      if ((anyNamespace || mayShareNamespace(object, workload.object)) && labelSelectorMatches(getIn(object.body, ["spec", "selector"]), labels) !== false) return true;
    } else if (object.kind === "ServiceMonitor") {
      const selector = getIn(object.body, ["spec", "selector"]);
      for (const service of services) {
        if (!anyNamespace && getIn(object.body, ["spec", "namespaceSelector", "matchNames"]) === undefined && !mayShareNamespace(object, service)) continue;
        if (labelSelectorMatches(selector, getIn(service.body, ["metadata", "labels"])) !== false) return true;
      }
    }
  }
  return false;
}

/** A Prometheus server config that discovers Kubernetes targets by its own conventions: we cannot tell what it scrapes. */
function hasKubernetesDiscovery(repo: Repository): boolean {
  return repo.configs.some((c) => {
    const jobs = getIn(c.body, ["scrape_configs"]);
    return Array.isArray(jobs) && jobs.some((j) => isRecord(j) && j.kubernetes_sd_configs !== undefined);
  });
}

/** go-zero serves /metrics on its DevServer (unless EnableMetrics is false) or its legacy Prometheus server. */
function goZeroMetrics(repo: Repository, dockerfile: DockerfileModel): Evidence | undefined {
  const config = commandConfig(repo, dockerfile);
  if (!config || !isGoZeroConfig(config.doc)) return undefined;
  const doc = config.doc;
  const dev = configValue(doc.body, ["DevServer"]);
  if (dev && isRecord(dev.value) && configValue(dev.value, ["Enabled"])?.value !== false && configValue(dev.value, ["EnableMetrics"])?.value !== false) {
    return { path: doc.path, range: doc.locateKey(dev.path), what: `the DevServer block of ${doc.path}, where go-zero serves /metrics` };
  }
  const prometheus = configValue(doc.body, ["Prometheus", "Port"]);
  if (prometheus) return { path: doc.path, range: doc.locateKey(prometheus.path.slice(0, 1)), what: `the Prometheus block of ${doc.path}` };
  return undefined;
}

export default defineRule<FileFacts>({
  meta: {
    id: "cross/metrics-scraped",
    section: "operations",
    title: "Workloads that serve /metrics are scraped",
    severity: "warning",
    rationale:
      "Metrics nobody scrapes are no monitoring at all: the dashboards and alerts the team relies on stay empty, and nobody notices until an incident.",
    remediation: "Add a ServiceMonitor or PodMonitor that selects the workload (or prometheus.io/scrape annotations on its pod template, if your Prometheus uses them).",
    docs: `Finds workloads whose program serves Prometheus metrics and checks that the manifests make
Prometheus scrape them.

**Serves metrics** — one of:
- the go-zero config the image's \`CMD\` loads (\`-f etc/app.yaml\`, see \`cross/port-consistency\` for how
  a workload is linked to its Dockerfile) has a \`DevServer:\` block (not \`Enabled: false\`, not
  \`EnableMetrics: false\`) or a legacy \`Prometheus:\` block with a \`Port\`;
- Go source imports \`github.com/prometheus/client_golang/prometheus/promhttp\`, or TypeScript/JavaScript
  imports \`prom-client\`, \`@willsoto/nestjs-prometheus\`, \`express-prom-bundle\` or \`fastify-metrics\`
  (tests and generated files excluded). **Source is linked to a workload through its Dockerfile**: a
  file belongs to the image built by the nearest production Dockerfile in its folder or a parent folder
  (the build context), and the workload must be linked to that Dockerfile.

**Scraped** — one of: \`prometheus.io/scrape: "true"\` on the pod template or the workload; a
\`PodMonitor\` (prometheus-operator) or \`PodMonitoring\` / \`ClusterPodMonitoring\` (Google Managed
Prometheus) whose selector matches the pod labels; a \`ServiceMonitor\` whose selector matches the labels
of a Service that selects the pods. A repository whose Prometheus config discovers Kubernetes targets
itself (\`kubernetes_sd_configs\`) is not judged: its relabelling rules decide.

Bad:

\`\`\`yaml
# etc/patient.yaml (go-zero, loaded by the image's CMD)
DevServer:
  Enabled: true
# deploy/k8s/deployment.yaml: no annotation, no ServiceMonitor / PodMonitor
\`\`\`

Good:

\`\`\`yaml
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata: {name: patient-rpc}
spec:
  selector:
    matchLabels: {app: patient-rpc}
  podMetricsEndpoints:
    - port: dev
\`\`\`

Not reported: workloads without a definite link to the code or config that serves metrics, Jobs and
CronJobs, kustomize fragments, and manifests under \`test/\`, \`e2e/\`, \`testdata/\`, \`fixtures/\` and
\`examples/\` folders.`,
    inputs: ["kubernetes"],
    tags: ["cross-file", "kubernetes", "observability", "metrics"],
    precision: "high",
  },
  analyzeGo(file): FileFacts | undefined {
    if (file.isTest || file.isGenerated) return undefined;
    const found = file.imports.find((i) => GO_METRICS.has(i.module));
    return found ? { module: found.module, range: found.range } : undefined;
  },
  create({ repo, report, notApplicable }) {
    const sources: Evidence[] = [];
    return {
      // Go files come in file order before any TypeScript file, as they did when visited directly.
      goFacts(facts, path) {
        sources.push({ path, range: facts.range, what: `${path}, which imports ${facts.module}` });
      },
      typescript(file) {
        if (file.isTest || file.isGenerated) return;
        const found = file.imports.find((i) => TS_METRICS.has(i.module));
        if (found) sources.push({ path: file.path, range: found.range, what: `${file.path}, which imports ${found.module}` });
      },
      end() {
        const workloads = repo.workloads.filter((w) => !w.partial && !w.runsToCompletion && !isNonProductionManifest(scanRelative(repo, w.object.path)));
        if (workloads.length === 0) return notApplicable();
        if (hasKubernetesDiscovery(repo)) return;
        const dockerfiles = repo.dockerfiles.filter((d) => !isNonProductionDockerfile(d, scanRelative(repo, d.path)));
        /** The Dockerfile whose folder is the nearest ancestor of `path`. */
        const ownerOf = (path: string): DockerfileModel | undefined => {
          let best: DockerfileModel | undefined;
          let depth = -1;
          for (const d of dockerfiles) {
            const dir = posix.dirname(d.path);
            const folder = dir === "." ? "" : dir;
            if (folder !== "" && !path.startsWith(`${folder}/`)) continue;
            const level = folder === "" ? 0 : folder.split("/").length;
            if (level > depth) [best, depth] = [d, level];
          }
          return best;
        };
        const bySource = new Map<DockerfileModel, Evidence>();
        for (const source of sources) {
          const owner = ownerOf(source.path);
          if (owner && !bySource.has(owner)) bySource.set(owner, source);
        }
        const done = new Set<Workload>();
        for (const container of repo.containers) {
          const workload = container.workload;
          if (container.role !== "main" || !isLongRunning(container) || done.has(workload) || !workloads.includes(workload)) continue;
          const link = dockerfileForContainer(repo, container);
          if (!link || !dockerfiles.includes(link.dockerfile)) continue;
          const evidence = goZeroMetrics(repo, link.dockerfile) ?? bySource.get(link.dockerfile);
          if (!evidence || scraped(repo.kubernetes, workload)) continue;
          done.add(workload);
          report(finding(container, link.dockerfile, evidence));
        }
      },
    };
  },
});

function finding(container: ContainerRef, dockerfile: DockerfileModel, evidence: Evidence): ReportDescriptor {
  const object = container.workload.object;
  return {
    path: object.path,
    range: containerRange(container),
    message: `${containerLabel(container)} serves Prometheus metrics, but no ServiceMonitor, PodMonitor or prometheus.io/scrape annotation selects its pods: the metrics are never collected, so dashboards and alerts built on them stay empty. The endpoint comes from ${evidence.what}, built into its image by ${dockerfile.path}.`,
    related: [{ path: evidence.path, range: evidence.range, message: "Where the metrics endpoint comes from." }],
  };
}
