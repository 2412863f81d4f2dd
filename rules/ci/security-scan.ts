import type { ConfigDocument, PackageJson } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import { ciCommands, isSampleProject, otherCiFile } from "../../src/rule-kit/ci-commands.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { isRecord } from "../../src/rule-kit/kubernetes.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

/** Scanner commands, directly or inside make recipes and package.json scripts. */
const SCANNER_COMMANDS: { name: string; pattern: RegExp }[] = [
  { name: "gosec", pattern: /(^|[\s;&|(/])gosec(\s|$)/ },
  { name: "govulncheck", pattern: /(^|[\s;&|(/])govulncheck(\s|$)/ },
  { name: "npm audit", pattern: /(^|[\s;&|(])npm\s+audit(?!\s+(fix|signatures))(\s|$)/ },
  { name: "yarn audit", pattern: /(^|[\s;&|(])yarn\s+(npm\s+)?audit(\s|$)/ },
  { name: "pnpm audit", pattern: /(^|[\s;&|(])pnpm\s+audit(\s|$)/ },
  { name: "Semgrep", pattern: /(^|[\s;&|(/])semgrep(\s|$)/ },
  { name: "Trivy", pattern: /(^|[\s;&|(/])trivy\s+(fs|filesystem|repo|repository|image|config|rootfs)(\s|$)/ },
  { name: "Snyk", pattern: /(^|[\s;&|(/])snyk\s+(test|code\s+test|container\s+test|monitor)(\s|$)/ },
  { name: "OSV-Scanner", pattern: /(^|[\s;&|(/])osv-scanner(\s|$)/ },
  { name: "Grype", pattern: /(^|[\s;&|(/])grype(\s|$)/ },
  { name: "CodeQL", pattern: /(^|[\s;&|(/])codeql\s+database(\s|$)/ },
];

/** Actions (and GitLab templates) that run a scanner. */
const SCANNER_ACTIONS: { name: string; pattern: RegExp }[] = [
  { name: "CodeQL", pattern: /^github\/codeql-action\/(analyze|init)@/ },
  { name: "Trivy", pattern: /^aquasecurity\/trivy-action@/ },
  { name: "Snyk", pattern: /^snyk\/actions(\/[\w-]+)?@/ },
  { name: "Semgrep", pattern: /^(returntocorp|semgrep)\/semgrep-action@/ },
  { name: "gosec", pattern: /^securego\/gosec@/ },
  { name: "govulncheck", pattern: /^golang\/govulncheck-action@/ },
  { name: "OSV-Scanner", pattern: /^google\/osv-scanner-action\// },
  { name: "Grype", pattern: /^anchore\/scan-action@/ },
  { name: "dependency review", pattern: /^actions\/dependency-review-action@/ },
];
const GITLAB_TEMPLATES = /(^|\/)(SAST|Dependency-Scanning|Container-Scanning|SAST-IaC)(\.latest)?\.gitlab-ci\.yml$/;

const GOLANGCI_RUN = /(^|[\s;&|(/])golangci-lint\s+run(\s|$)/;
const GOLANGCI_CONFIG = /(^|\/)\.?golangci\.(ya?ml|json)$/;

export default defineRule({
  meta: {
    id: "ci/security-scan",
    section: "security",
    title: "CI runs a static security scanner",
    severity: "warning",
    rationale:
      "Known-vulnerable dependencies and insecure code patterns (SQL built from input, weak crypto, unchecked TLS) are found cheaply by scanners; " +
      "without one in CI they are found by an attacker or an auditor instead.",
    remediation: "Add a security scanner to CI: govulncheck and gosec (or golangci-lint with gosec) for Go, `npm audit` for Node, or CodeQL, Semgrep, Trivy or Snyk.",
    docs: `Looks for a static security scanner in what CI executes: the GitHub Actions workflow, \`.gitlab-ci.yml\`
and Cloud Build \`cloudbuild.yaml\` commands, the commands they reach through \`make <target>\`, package.json scripts
and shell scripts of the repository (\`./scripts/lint.sh\`), and the actions they use.

Counted as a scanner:
- commands: \`gosec\`, \`govulncheck\`, \`npm audit\` (not \`npm audit fix\`), \`yarn audit\` / \`yarn npm audit\`, \`pnpm audit\`,
  \`semgrep\`, \`trivy fs|repo|image|config\`, \`snyk test|code test|container test|monitor\`, \`osv-scanner\`, \`grype\`,
  \`codeql database ...\`;
- \`golangci-lint run\` (or \`golangci/golangci-lint-action\`) **when a \`.golangci.yml\` / \`.golangci.json\` enables gosec**
  (\`linters.enable\` lists \`gosec\`, or \`enable-all: true\` / v2 \`default: all\` without disabling it);
- actions: \`github/codeql-action\`, \`aquasecurity/trivy-action\`, \`snyk/actions\`, \`semgrep/semgrep-action\`,
  \`securego/gosec\`, \`golang/govulncheck-action\`, \`google/osv-scanner-action\`, \`anchore/scan-action\`,
  \`actions/dependency-review-action\`; GitLab's \`SAST\`, \`Dependency-Scanning\` and \`Container-Scanning\` templates.

Bad: a workflow that builds, lints and tests but never scans. Good:

\`\`\`yaml
jobs:
  security:
    steps:
      - uses: actions/checkout@v4
      - uses: golang/govulncheck-action@v1
      - run: npm audit --omit=dev --audit-level=high
\`\`\`

The finding points at the first CI file. When part of CI is not visible (GitLab \`include:\`, remote reusable
workflows, composite actions, shell scripts, task runners) it is a **note**; without any CI pipeline, one note at
the first go.mod or package.json. Dependabot or Renovate alerts are not counted: they report, they do not gate a
change. Repositories with neither a Go module nor a Node project are not applicable.`,
    inputs: ["manifest", "ci"],
    tags: ["ci", "security", "supply-chain"],
    precision: "high",
    securitySeverity: 4.0,
  },
  check({ repo, report, notApplicable }) {
    const modules = repo.manifests.goModules.filter((m) => !isSampleProject(scanRelative(repo, m.path)));
    const packages = repo.manifests.packageJsons.filter((p) => !isSampleProject(scanRelative(repo, p.path)) && hasDependencies(p));
    if (modules.length === 0 && packages.length === 0) return notApplicable();

    if (repo.ci.length === 0) {
      const first = modules[0] ? { path: modules[0].path, range: modules[0].range } : { path: packages[0]!.path, range: packages[0]!.locateKey(["name"]) };
      const other = otherCiFile(repo);
      report({
        ...first,
        severity: "note",
        message: `No CI pipeline (GitHub Actions workflow, .gitlab-ci.yml or Cloud Build cloudbuild.yaml) was found, so nothing shows that a security scanner checks the code and dependencies before a release.${other ? ` CI seems to be configured in ${other}, which this check does not read.` : ""}`,
      });
      return;
    }

    const { commands, blindSpots } = ciCommands(repo);
    if (commands.some((c) => SCANNER_COMMANDS.some((s) => s.pattern.test(c.text)))) return;
    const uses = repo.ci.flatMap((p) => p.uses);
    if (uses.some((u) => SCANNER_ACTIONS.some((s) => s.pattern.test(u.action)))) return;
    if (repo.ci.some((p) => (p.includes ?? []).some((i) => GITLAB_TEMPLATES.test(i.ref)))) return;

    const golangci = commands.find((c) => GOLANGCI_RUN.test(c.text)) ?? uses.find((u) => /^golangci\/golangci-lint-action@/.test(u.action));
    const configs = repo.configs.filter((c) => GOLANGCI_CONFIG.test(c.path));
    if (golangci && configs.some((c) => enablesGosec(c))) return;
    const lint = golangci
      ? configs.length > 0
        ? ` golangci-lint runs, but ${configs.length === 1 ? configs[0]!.path : "no .golangci config"} does not enable gosec.`
        : " golangci-lint runs, but without a .golangci config enabling gosec it runs no security checks."
      : "";

    const at = repo.ci[0]!;
    const want = [modules.length > 0 ? "govulncheck or gosec for Go" : "", packages.length > 0 ? "`npm audit` for Node" : ""].filter(Boolean).join(", ");
    report({
      path: at.path,
      range: at.range,
      ...(blindSpots.length > 0 && { severity: "note" as const }),
      message:
        blindSpots.length > 0
          ? `No visible CI step runs a security scanner (${want}, CodeQL, Semgrep, Trivy, Snyk);${lint} ${blindSpots[0]}, so one may run there: cannot verify.`
          : `No CI step runs a security scanner (${want}, CodeQL, Semgrep, Trivy, Snyk):${lint} vulnerable dependencies and insecure code reach production unchecked.`,
      related: configs.map((c) => ({ path: c.path, range: startOf(c), message: "golangci-lint configuration without gosec." })),
    });
  },
});

function hasDependencies(pkg: PackageJson): boolean {
  return Object.keys(pkg.dependencies).length + Object.keys(pkg.devDependencies).length > 0;
}

/** golangci-lint v1 (`enable`, `enable-all`) and v2 (`default: all|standard|none`, `enable`) configurations. */
function enablesGosec(config: ConfigDocument): boolean {
  const linters = isRecord(config.body) ? config.body.linters : undefined;
  if (!isRecord(linters)) return false;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  if (list(linters.disable).includes("gosec")) return false;
  return list(linters.enable).includes("gosec") || linters["enable-all"] === true || linters.default === "all";
}

function startOf(config: ConfigDocument): Range {
  return config.locateKey(["linters"]);
}

