import { defineRule } from "../../src/rule-kit/define-rule.js";
import { getIn, isNonProductionManifest, isRecord, objectLabel } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

/** Kinds that carry Prometheus alerting rules: prometheus-operator, Google Managed Prometheus. */
const RULE_KINDS = new Set(["PrometheusRule", "Rules", "ClusterRules", "GlobalRules", "VMRule"]);

/** A Prometheus rule file: `groups: [{rules: [{alert: ...}]}]`. */
function hasAlertingGroups(body: unknown): boolean {
  const groups = getIn(body, ["groups"]) ?? getIn(body, ["spec", "groups"]);
  if (!Array.isArray(groups)) return false;
  return groups.some((g) => isRecord(g) && Array.isArray(g.rules) && g.rules.some((r) => isRecord(r) && typeof r.alert === "string"));
}

/** Files we could not read as rules but that are named like them (`alerts.yaml`, `x.rules`, a Helm template). */
const RULE_FILE_NAME = /(^|[/._-])(alerts?|alerting|rules?)([._-][^/]*)?\.(ya?ml|rules|json)$|\.rules$/i;

export default defineRule({
  meta: {
    id: "k8s/alert-rules-present",
    section: "operations",
    title: "A repository that deploys workloads defines alerting rules",
    severity: "note",
    rationale:
      "Metrics and dashboards do not wake anyone up: without alerting rules a failing service is noticed by its users first.",
    remediation: "Add Prometheus alerting rules (a PrometheusRule object, or a rule file with groups and alert entries) for the service's error rate, latency and saturation.",
    docs: `When the scanned manifests deploy long-running workloads, looks for alerting rules anywhere in the
repository: a \`PrometheusRule\` (prometheus-operator), \`Rules\` / \`ClusterRules\` / \`GlobalRules\` (Google
Managed Prometheus) or \`VMRule\` object, or a Prometheus rule file (\`groups:\` whose \`rules:\` contain
\`alert:\` entries). One note per repository, at the first workload.

It is a **note**: many teams keep alerting rules in a separate monitoring repository. If yours does,
disable the rule in your configuration. The launch checklist asks for alerts that are specific and
actionable, e.g. "5xx rate above 1 % for 5 minutes", linked to a dashboard.

Good:

\`\`\`yaml
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: patient-rpc}
spec:
  groups:
    - name: patient-rpc
      rules:
        - alert: PatientRpcErrorRate
          expr: sum(rate(rpc_server_requests_code_total{app="patient-rpc",code!="OK"}[5m])) / sum(rate(rpc_server_requests_code_total{app="patient-rpc"}[5m])) > 0.01
          for: 5m
\`\`\`

Not reported: repositories whose workloads are all Jobs, CronJobs, fragments or under \`test/\`,
\`examples/\`, ... folders, and repositories with a file named like a rule file that could not be read as
one (\`alerts.yaml\` in an unrendered Helm chart, \`*.rules\`): we cannot tell what it holds.`,
    inputs: ["kubernetes"],
    tags: ["kubernetes", "observability", "alerting"],
    precision: "high",
  },
  check({ repo, report, notApplicable }) {
    const workloads = repo.workloads
      .filter((w) => !w.partial && !w.runsToCompletion && !isNonProductionManifest(scanRelative(repo, w.object.path)))
      .sort((a, b) => a.object.path.localeCompare(b.object.path) || a.object.documentIndex - b.object.documentIndex);
    if (workloads.length === 0) return notApplicable();
    if (repo.kubernetes.some((o) => RULE_KINDS.has(o.kind) || hasAlertingGroups(o.body))) return;
    if (repo.configs.some((c) => hasAlertingGroups(c.body))) return;
    if (repo.files.some((f) => RULE_FILE_NAME.test(f.path) && !repo.configs.some((c) => c.path === f.path))) return;
    const first = workloads[0]!.object;
    report({
      path: first.path,
      range: first.range,
      message: `The repository deploys ${workloads.length === 1 ? objectLabel(first) : `${workloads.length} workloads (${objectLabel(first)} first)`} but defines no alerting rules (no PrometheusRule object or Prometheus rule file with alert entries): failures are noticed by users first, unless alerts live in another repository.`,
    });
  },
});
