import type { GoModule, Lockfile, PackageJson } from "../../src/model/artifacts.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import type { Range } from "../../src/model/location.js";
import type { Repository } from "../../src/model/repository.js";
import { ciCommands, type ReachedCommand } from "../../src/rule-kit/ci-commands.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";

export default defineRule({
  meta: {
    id: "ci/dependencies-verified",
    section: "foundation",
    title: "CI verifies dependencies against the lockfile",
    severity: "warning",
    rationale:
      "A lockfile only protects production if CI refuses to build when dependencies drift from it: `go mod verify` checks the " +
      "module cache against go.sum, and frozen installs (`npm ci`) fail instead of silently resolving new versions.",
    remediation: "Run `go mod verify` (and `go mod tidy -diff`) for Go modules and install Node dependencies with `npm ci`, `yarn install --immutable` or `pnpm install --frozen-lockfile` in CI.",
    docs: `Reads the GitHub Actions workflows, \`.gitlab-ci.yml\` and Cloud Build \`cloudbuild.yaml\` (with the make targets,
package.json scripts and shell scripts they run) and checks that dependencies are verified:

- **Go** (a \`go.mod\` with requirements): some CI command runs \`go mod verify\`, which checks that the module
  cache (often restored from a CI cache) still matches \`go.sum\`. A softer note asks for a tidiness check:
  \`go mod tidy -diff\` (Go 1.23+) or \`go mod tidy\` followed by \`git diff --exit-code\`, so that a go.mod or
  go.sum that does not match the code fails the build instead of being fixed up silently.
- **Node** (a \`package.json\` with dependencies and a committed lockfile): an install that does not honour the
  lockfile is reported at its line: \`npm install\` / \`npm i\` without package arguments, \`yarn install\` without
  \`--frozen-lockfile\` (Yarn 1), \`yarn install --no-immutable\`, \`pnpm install --no-frozen-lockfile\`,
  \`bun install\` without \`--frozen-lockfile\`. These pass: \`npm ci\`, \`yarn install --frozen-lockfile\`,
  \`yarn install --immutable\`, any \`yarn install\` of Yarn 2+ (immutable in CI by default; detected from
  \`.yarnrc.yml\` or \`packageManager\`), \`pnpm install\` (frozen in CI by default), \`bun install --frozen-lockfile\`.
- **No pipeline at all**: one note at the first manifest; CI may live in a system this tool does not read.

Bad:

\`\`\`yaml
steps:
  - uses: actions/setup-node@v4
    with: { cache: npm }        # caches downloads; it does not install anything
  - run: npm install            # may rewrite package-lock.json and never fails on drift
\`\`\`

Good:

\`\`\`yaml
steps:
  - run: npm ci
  - run: |
      go mod verify
      go mod tidy -diff
\`\`\`

CI commands are followed into the **Makefile targets** they run (\`make ci\`, \`make -C svc deps\`, \`$(MAKE) x\`:
prerequisites first, then the recipe lines, with the Makefile's simple variables expanded) and into
**package.json scripts** (\`npm run ci:install\`, \`npm test\` with its \`pre\`/\`post\` scripts, \`yarn build\`,
\`pnpm lint\`): an \`npm install\` in a Makefile recipe is reported at that recipe line, with the CI command that
reaches it as a related location, and a \`go mod verify\` or tidiness check there counts.

When a check cannot be made, the finding is a **note** rather than a warning: the pipeline pulls in GitLab
\`include:\` files, remote reusable workflows or local composite actions, runs a shell script or a task runner
(\`task\`, \`just\`, \`mage\`) whose commands are not visible, or calls a make target that was not found; or no
install command is found at all (dependencies may be installed in a Docker build). A \`RUN go mod verify\` or
\`RUN npm ci\` in a Dockerfile counts as verification.

Findings about Go modules point once at the first CI command that builds, tests or downloads Go code (where
\`go mod verify\` belongs), naming every module and listing each go.mod as a related location; without such
a command, each go.mod gets its own finding.
A repository with neither Go requirements nor a Node project with a lockfile is *not applicable*.

Deliberately not reported: global tool installs (\`npm install -g pnpm\`) and installs of named packages;
installs inside \`docker run\` or other wrappers; manifests under \`testdata/\`, \`fixtures/\` and
\`__fixtures__/\` (test inputs, not projects); which folder a command runs in (a \`go mod verify\` anywhere
counts for every module); \`bunfig.toml\`'s \`frozenLockfile\` setting, which is not read.`,
    inputs: ["manifest", "ci"],
    tags: ["ci", "dependencies", "supply-chain"],
    precision: "high",
  },
  check({ repo, report, notApplicable }) {
    const { goModules, packageJsons, lockfiles } = repo.manifests;
    const modules = goModules.filter((m) => m.requires.length > 0 && !isTestData(scanRelative(repo, m.path)));
    const nodeProjects = packageJsons.filter((p) => hasDependencies(p) && !isTestData(scanRelative(repo, p.path)) && committedNodeLockfile(p, lockfiles));
    // Nothing whose dependencies CI could verify: no Go requirements, no Node project with a lockfile.
    if (modules.length === 0 && nodeProjects.length === 0) return notApplicable();

    const pipelines = repo.ci;
    if (pipelines.length === 0) {
      reportNoPipeline(repo, modules, nodeProjects, report);
      return;
    }
    // What CI runs, make targets and package.json scripts it calls included.
    const view = ciCommands(repo);
    const reached = view.commands;
    const blindSpot = view.blindSpots[0];
    // Dockerfiles are read only when CI itself shows no verification.
    let runs: string[] | undefined;
    const dockerRuns = () =>
      (runs ??= repo.dockerfiles.flatMap((d) =>
        d.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === "RUN").map((i) => i.text)),
      ));

    // Go: `go mod verify`, then a tidiness check.
    if (modules.length > 0) {
      const verifies = reached.some((c) => GO_MOD_VERIFY.test(c.text)) || dockerRuns().some((t) => GO_MOD_VERIFY.test(t));
      const tidy = tidyCheck(reached);
      // The fix goes next to the first Go command CI runs (in the pipeline, or a make target or shell script
      // it calls): point once there, with every module as a related place. Without one, each go.mod is the place.
      const goStep = reached.find((c) => c.via.length === 0 && GO_COMMAND.test(c.text)) ?? reached.find((c) => GO_COMMAND.test(c.text));
      const groups = goStep
        ? [{
            modules,
            at: {
              path: goStep.path,
              range: goStep.range,
              related: modules.map((m) => ({ path: m.path, range: m.range, message: `The module ${m.module ?? m.path}.` })),
            },
          }]
        : modules.map((m) => ({ modules: [m], at: { path: m.path, range: m.range } }));
      for (const { modules: group, at } of groups) {
        const names = moduleNames(group);
        if (!verifies) {
          report({
            ...at,
            severity: blindSpot ? "note" : undefined,
            message: blindSpot
              ? `No visible CI command runs \`go mod verify\` for ${names}, but ${blindSpot}; make sure one verifies the module cache against go.sum.`
              : `No CI command runs \`go mod verify\` for ${names}: a module cache restored from a CI cache or runner is never checked against go.sum, so tampered or corrupted dependencies can reach the build.`,
            fix: "Add `go mod verify` to the CI job, right after `go mod download`.",
          });
        }
        if (tidy !== "checked") {
          report({
            ...at,
            severity: "note",
            message:
              tidy === "unchecked"
                ? `CI runs \`go mod tidy\` but never fails when it changes go.mod or go.sum of ${names}: drift is fixed up in the CI workspace instead of being reported.`
                : `No CI command checks that go.mod and go.sum of ${names} are tidy: requirements the code no longer uses, or missing ones, go unnoticed until a local build differs from CI.`,
            fix: "Run `go mod tidy -diff` (Go 1.23+), or `go mod tidy` followed by `git diff --exit-code go.mod go.sum`.",
          });
        }
      }
    }

    // Node: every install must honour the lockfile.
    if (nodeProjects.length > 0) {
      const berry = isYarnBerry(repo, packageJsons);
      // An action that runs `npm ci` itself counts as a frozen install.
      let anyInstall = pipelines.some((p) => p.uses.some((u) => /^bahmutov\/npm-install@/.test(u.action)));
      for (const command of reached) {
        for (const install of installsOf(command.text, berry)) {
          anyInstall = true;
          if (install.frozen) continue;
          const job = command.origin.job;
          const where = command.via.length === 0 ? `in CI${job ? ` (job ${job})` : ""}` : `run by CI through \`${command.via.join("` → `")}\``;
          report({
            path: command.path,
            range: command.range,
            message: `\`${install.text}\` ${where} does not honour the lockfile: ${install.why}`,
            fix: install.fix,
            ...(command.via.length > 0 && {
              related: [{ path: command.pipeline.path, range: command.origin.range, message: `The CI command that reaches it (${command.via[0]}).` }],
            }),
          });
        }
      }
      if (!anyInstall && !dockerRuns().some((t) => installsOf(t).some((i) => i.frozen))) {
        const project = nodeProjects[0]!;
        report({
          path: project.path,
          range: dependenciesRange(project),
          severity: "note",
          message: `No CI command installs the dependencies of ${project.path} with a frozen lockfile (\`npm ci\`, \`yarn install --immutable\`, \`pnpm install\`)${blindSpot ? `, and ${blindSpot}` : ""}; if they are installed elsewhere (a Docker build, a script), make sure that install fails when the lockfile does not match.`,
          fix: "Install with `npm ci` (or `yarn install --immutable`, `pnpm install --frozen-lockfile`) in the CI job that builds or tests the project.",
        });
      }
    }
  },
});

// ---------------------------------------------------------------------------------------------

const GO_MOD_VERIFY = /(^|[\s;&|(])go\s+mod\s+verify\b/;
const GO_MOD_TIDY = /(^|[\s;&|(])go\s+mod\s+tidy\b/;
const TIDY_DIFF = /(^|[\s;&|(])go\s+mod\s+tidy\b[^;&|]*\s-diff\b/;
/** Commands that fail when the working tree changed. */
const DIFF_CHECK = /\bgit\s+(diff(-index)?\b[^;&|]*(--exit-code|--quiet)|status\s+--porcelain)/;

/**
 * "checked": tidy runs and drift fails the job; "unchecked": tidy runs, nothing fails; "absent".
 * Commands are in the order CI runs them (make recipes and scripts where they are called).
 */
function tidyCheck(commands: readonly ReachedCommand[]): "checked" | "unchecked" | "absent" {
  let ran = false;
  for (let i = 0; i < commands.length; i++) {
    const text = commands[i]!.text;
    if (TIDY_DIFF.test(text)) return "checked";
    if (!GO_MOD_TIDY.test(text)) continue;
    ran = true;
    // The diff check may share the line (`go mod tidy && git diff --exit-code`) or follow it in the job.
    const after = text.slice(text.search(GO_MOD_TIDY));
    if (DIFF_CHECK.test(after)) return "checked";
    const { pipeline, origin } = commands[i]!;
    if (commands.slice(i + 1).some((c) => c.pipeline === pipeline && c.origin.job === origin.job && DIFF_CHECK.test(c.text))) return "checked";
  }
  return ran ? "unchecked" : "absent";
}

interface Install {
  text: string;
  frozen: boolean;
  why: string;
  fix: string;
}

const NPM_FROZEN = new Set(["ci", "clean-install", "ic", "install-clean", "isntall-clean"]);
const NPM_INSTALL = new Set(["install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "add"]);
/** npm/yarn flags that take a value, so the next word is not a package name. */
const VALUE_FLAGS = new Set(["--prefix", "--registry", "--cache", "--loglevel", "--workspace", "-w", "--omit", "--include", "--userconfig", "--install-strategy", "--cwd", "--network-timeout", "--mutex", "--modules-folder", "--filter", "-C", "--dir"]);

/** Project installs in a shell line (`cd web && npm install` has one); tool and package installs are not. */
function installsOf(text: string, yarnBerry = false): Install[] {
  const installs: Install[] = [];
  for (const segment of segments(text)) {
    const all = words(segment);
    // Skip `VAR=value` assignments and a few transparent prefixes.
    let start = 0;
    while (start < all.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(all[start]!) || ["sudo", "time", "corepack", "command"].includes(all[start]!))) start++;
    const [tool, sub, ...rest] = all.slice(start).map(withoutCredentials);
    const shown = all.slice(start).map(withoutCredentials).join(" ");
    const args = sub?.startsWith("-") ? [sub, ...rest] : rest;
    if (tool === "npm" && sub) {
      if (NPM_FROZEN.has(sub)) installs.push({ text: shown, frozen: true, why: "", fix: "" });
      else if (NPM_INSTALL.has(sub) && isProjectInstall(args)) {
        installs.push({
          text: shown,
          frozen: false,
          why: "it installs whatever package.json allows when package-lock.json is out of date, rewrites the lockfile, and never fails, so CI does not build what was locked.",
          fix: `Replace \`${shown}\` with \`npm ci${args.length ? ` ${args.join(" ")}` : ""}\`.`,
        });
      }
    } else if (tool === "yarn" && (sub === undefined || sub === "install" || sub.startsWith("-")) && isProjectInstall(args)) {
      const frozenFlag = args.some((a) => a === "--frozen-lockfile" || a === "--immutable");
      const unfrozenFlag = args.includes("--no-immutable");
      const frozen = frozenFlag || (yarnBerry && !unfrozenFlag);
      installs.push({
        text: shown,
        frozen,
        why: yarnBerry
          ? "`--no-immutable` lets Yarn rewrite yarn.lock instead of failing when it does not match package.json."
          : "Yarn 1 updates yarn.lock and installs new versions when it does not match package.json, instead of failing.",
        fix: yarnBerry ? "Drop `--no-immutable` (Yarn 2+ installs are immutable in CI)." : "Use `yarn install --frozen-lockfile`.",
      });
    } else if (tool === "pnpm" && (sub === "install" || sub === "i") && isProjectInstall(args)) {
      // pnpm freezes the lockfile by default when it detects CI.
      const unfrozen = args.some((a) => a === "--no-frozen-lockfile" || a === "--frozen-lockfile=false");
      installs.push({
        text: shown,
        frozen: !unfrozen,
        why: "`--no-frozen-lockfile` lets pnpm rewrite pnpm-lock.yaml instead of failing when it does not match package.json.",
        fix: "Drop `--no-frozen-lockfile` (pnpm installs are frozen in CI by default).",
      });
    } else if (tool === "bun" && (sub === "install" || sub === "i" || sub === "ci") && isProjectInstall(args)) {
      const frozen = sub === "ci" || args.some((a) => a === "--frozen-lockfile");
      installs.push({
        text: shown,
        frozen,
        why: "without `--frozen-lockfile` bun updates bun.lock when it does not match package.json instead of failing.",
        fix: "Use `bun install --frozen-lockfile`.",
      });
    }
  }
  return installs;
}

/**
 * Install lines are quoted in messages: credentials in them (a registry URL with a password, an
 * `_authToken=`, a `--password` value) are masked before they are.
 */
function withoutCredentials(word: string): string {
  return word
    .replace(/(:\/\/[^/\s:@]*:)[^@\s]+@/g, "$1****@")
    .replace(/^((?:--)?[^=]*(?:_auth|auth_?token|token|password|passwd|secret)[^=]*=).+$/i, "$1****");
}

/** No package names and no global install: the project's own dependencies. */
function isProjectInstall(args: string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-g" || arg === "--global" || arg === "--location=global") return false;
    if (VALUE_FLAGS.has(arg)) i++;
    else if (!arg.startsWith("-")) return false; // a package name: a tool install, not the lockfile's
  }
  return true;
}

/** Splits a shell line at `&&`, `||`, `;` and `|` (quotes are rare in install lines and not honoured). */
function segments(text: string): string[] {
  return text.split(/&&|\|\||;|\|/);
}

function words(segment: string): string[] {
  return segment.trim().split(/\s+/).filter(Boolean).map((w) => w.replace(/^["']|["']$/g, ""));
}

/** "module a", or "4 modules (a, b, c, d)". */
function moduleNames(modules: readonly GoModule[]): string {
  const names = modules.map((m) => m.module ?? m.path);
  return names.length === 1 ? names[0]! : `${names.length} modules (${names.join(", ")})`;
}

/** A CI command that builds, tests or fetches Go code: where `go mod verify` belongs. */
// `go install tool@version` installs a tool, not the module's dependencies.
const GO_COMMAND = /(^|[\s;&|(])go\s+(build|test|vet|install(?!\s+\S+@)|run|generate|mod\s+download)\b/;

function isYarnBerry(repo: Repository, packageJsons: readonly PackageJson[]): boolean {
  if (repo.files.some((f) => f.path === ".yarnrc.yml" || f.path.endsWith("/.yarnrc.yml"))) return true;
  return packageJsons.some((p) => /^yarn@([2-9]|\d{2,})/.test(p.packageManager ?? ""));
}

/** Test inputs, not projects: the go tool ignores `testdata/`, and fixtures are sample repositories. */
function isTestData(path: string): boolean {
  return /(^|\/)(testdata|fixtures|__fixtures__)\//.test(path);
}

function hasDependencies(pkg: PackageJson): boolean {
  return Object.keys(pkg.dependencies).length + Object.keys(pkg.devDependencies).length > 0;
}

/** A committed Node lockfile in the package's folder or above (deps/lockfile-present reports the rest). */
function committedNodeLockfile(pkg: PackageJson, lockfiles: readonly Lockfile[]): boolean {
  const dir = dirOf(pkg.path);
  return lockfiles.some((l) => l.kind !== "go.sum" && !l.ignored && isSameOrAncestor(dirOf(l.path), dir));
}

function dependenciesRange(pkg: PackageJson): Range {
  return pkg.locateKey([Object.keys(pkg.dependencies).length > 0 ? "dependencies" : "devDependencies"]);
}

function reportNoPipeline(
  repo: Repository,
  modules: GoModule[],
  nodeProjects: PackageJson[],
  report: (d: { path: string; range: Range; severity: "note"; message: string }) => void,
) {
  const other = repo.files.find((f) => OTHER_CI.test(f.path));
  const where = other ? ` CI seems to be configured in ${other.path}, which this check does not read.` : "";
  const what = [modules.length > 0 ? "`go mod verify`" : "", nodeProjects.length > 0 ? "a frozen install such as `npm ci`" : ""].filter(Boolean).join(" or ");
  const first = modules[0] ? { path: modules[0].path, range: modules[0].range } : { path: nodeProjects[0]!.path, range: dependenciesRange(nodeProjects[0]!) };
  report({
    ...first,
    severity: "note",
    message: `No CI pipeline (GitHub Actions workflow, .gitlab-ci.yml or Cloud Build cloudbuild.yaml) was found, so nothing shows that dependencies are verified against the lockfile (${what}) before a release.${where}`,
  });
}

const OTHER_CI = /(^|\/)(\.circleci\/config\.ya?ml|azure-pipelines\.ya?ml|bitbucket-pipelines\.ya?ml|\.drone\.ya?ml|\.travis\.ya?ml|\.buildkite\/pipeline\.ya?ml|cloudbuild\.ya?ml|\.woodpecker\.ya?ml|\.tekton\/[^/]+\.ya?ml)$/;

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

function isSameOrAncestor(ancestor: string, dir: string): boolean {
  return ancestor === "" || dir === ancestor || dir.startsWith(`${ancestor}/`);
}
