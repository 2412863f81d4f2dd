import type { CiPipeline, PackageJson } from "../../src/model/artifacts.js";
import type { Range } from "../../src/model/location.js";
import { ciCommands, isSampleProject, otherCiFile, type ReachedCommand } from "../../src/rule-kit/ci-commands.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

const GO_TEST = /(^|[\s;&|(])(go\s+test|gotestsum|ginkgo|richgo\s+test)(\s|$)/;
const NODE_TEST =
  /(^|[\s;&|("'/])(jest|vitest|mocha|ava|karma|tap|c8|nyc|cypress\s+run|playwright\s+test|node\s+--test|bun\s+test|npm\s+(test|t|tst)(\s|$)|npm\s+run\s+test|yarn\s+(run\s+)?test|pnpm\s+(run\s+)?test|ng\s+test|nx\s+(test|affected|run-many))(\s|$|[:"'])/;
const NODE_TEST_DEPS = ["jest", "vitest", "mocha", "ava", "@playwright/test", "cypress", "karma", "tap", "@jest/core"];

export default defineRule({
  meta: {
    id: "ci/tests-run",
    section: "foundation",
    title: "CI runs the tests",
    severity: "warning",
    rationale:
      "Tests that CI does not run protect nothing: a change that breaks them merges and ships, and the suite rots until nobody trusts it.",
    remediation: "Run the Go tests (`go test ./...`) and the Node test script (`npm test`) in a CI job that every change must pass.",
    docs: `Looks for a test run in what CI executes: the GitHub Actions workflow, \`.gitlab-ci.yml\` and Cloud Build \`cloudbuild.yaml\`
commands, and the commands they reach through \`make <target>\` (recipes and prerequisites of the Makefile, variables
expanded), shell scripts of the repository (\`./scripts/test.sh\`, \`bash ci/test.sh\`) and package.json scripts (\`npm test\`, \`npm run test:cov\`, \`yarn test\`, \`pnpm test\`, with npm's \`pre\`/\`post\` scripts).

- **Go** (a \`go.mod\`): \`go test\`, \`gotestsum\`, \`ginkgo\` or \`richgo test\`.
- **Node** (a package.json with a \`test\` script other than npm's placeholder, or a test framework among its
  dependencies): \`npm test\`, \`yarn test\`, \`pnpm test\`, or a runner directly (\`jest\`, \`vitest\`, \`mocha\`,
  \`node --test\`, \`playwright test\`, ...).

Bad (\`.github/workflows/ci.yml\`):

\`\`\`yaml
steps:
  - run: npm ci
  - run: npm run build        # nothing runs the tests
\`\`\`

Good:

\`\`\`yaml
steps:
  - run: npm ci
  - run: make test            # Makefile: test: ; go test -race ./...
\`\`\`

The finding points at the first line of the CI file that builds the project (or the first CI file). When part
of CI is not visible — GitLab \`include:\`, remote reusable workflows, local composite actions, shell scripts
(\`./scripts/ci.sh\`), \`task\`/\`just\` runners, a \`make\` target that was not found — the finding is a **note**.
Without any CI pipeline the rule reports one note at the first go.mod or package.json (CI may live in a system
this tool does not read; it names such a file when it sees one, e.g. \`cloudbuild.yaml\`).

Not reported: projects under \`testdata/\`, \`fixtures/\`, \`examples/\` and \`samples/\`; Node packages with no test
script and no test framework. Whether the tests cover anything, and which folder they run in, is not checked.`,
    inputs: ["manifest", "ci"],
    tags: ["ci", "testing"],
    precision: "high",
  },
  check({ repo, report, notApplicable }) {
    const modules = repo.manifests.goModules.filter((m) => !isSampleProject(scanRelative(repo, m.path)));
    const nodeProjects = repo.manifests.packageJsons.filter((p) => !isSampleProject(scanRelative(repo, p.path)) && hasTests(p));
    if (modules.length === 0 && nodeProjects.length === 0) return notApplicable();

    const missing: string[] = [];
    if (repo.ci.length === 0) {
      if (modules.length > 0) missing.push("`go test`");
      if (nodeProjects.length > 0) missing.push("the Node tests (`npm test`)");
      const first = modules[0] ? { path: modules[0].path, range: modules[0].range } : packageStart(nodeProjects[0]!);
      const other = otherCiFile(repo);
      report({
        ...first,
        severity: "note",
        message: `No CI pipeline (GitHub Actions workflow, .gitlab-ci.yml or Cloud Build cloudbuild.yaml) was found, so nothing shows that the tests (${missing.join(" and ")}) run before a release.${other ? ` CI seems to be configured in ${other}, which this check does not read.` : ""}`,
      });
      return;
    }

    const { commands, blindSpots } = ciCommands(repo);
    if (modules.length > 0 && !commands.some((c) => GO_TEST.test(c.text))) missing.push(`the Go tests (\`go test\`) of ${names(modules.map((m) => m.module ?? m.path))}`);
    if (nodeProjects.length > 0 && !commands.some((c) => NODE_TEST.test(c.text))) missing.push(`the Node tests of ${names(nodeProjects.map((p) => p.name ?? p.path))}`);
    if (missing.length === 0) return;
    const at = buildPipeline(repo.ci, commands);
    const related = [...modules.map((m) => ({ path: m.path, range: m.range, message: `The Go module ${m.module ?? m.path}.` })), ...nodeProjects.map((p) => ({ ...packageStart(p), message: `The test script of ${p.path}.` }))];
    if (blindSpots.length > 0) {
      report({
        path: at.path,
        range: at.range,
        severity: "note",
        message: `No visible CI command runs ${missing.join(" or ")}; ${blindSpots[0]}, so the tests may run there: cannot verify.`,
        related,
      });
      return;
    }
    report({
      path: at.path,
      range: at.range,
      message: `No CI command runs ${missing.join(" or ")} (directly, or through make targets, shell scripts or package.json scripts): changes that break the tests merge and ship.`,
      related,
    });
  },
});

/** A real test setup: a `test` script that is not npm's placeholder, or a test framework dependency. */
function hasTests(pkg: PackageJson): boolean {
  const script = pkg.scripts.test;
  if (typeof script === "string" && !/no test specified/.test(script)) return true;
  return NODE_TEST_DEPS.some((d) => d in pkg.devDependencies || d in pkg.dependencies);
}

function packageStart(pkg: PackageJson): { path: string; range: Range } {
  return { path: pkg.path, range: typeof pkg.scripts.test === "string" ? pkg.locateKey(["scripts", "test"]) : pkg.locateKey(["devDependencies"]) };
}

/** The pipeline that builds the project (its first Go or Node command), else the first one; its first line. */
function buildPipeline(pipelines: readonly CiPipeline[], commands: readonly ReachedCommand[]): { path: string; range: Range } {
  const build = commands.find((c) => /(^|[\s;&|(])(go\s+(build|vet|mod)|npm\s|yarn(\s|$)|pnpm\s|make(\s|$))/.test(c.origin.text));
  const pipeline = build?.pipeline ?? pipelines[0]!;
  return { path: pipeline.path, range: pipeline.range };
}

function names(list: string[]): string {
  return list.length <= 3 ? list.join(", ") : `${list.slice(0, 3).join(", ")} and ${list.length - 3} more`;
}
