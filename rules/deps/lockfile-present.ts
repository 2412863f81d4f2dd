import type { Lockfile, PackageJson } from "../../src/model/artifacts.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";

const NODE_LOCK_KINDS = new Set(["npm", "yarn", "pnpm", "bun"]);

export default defineRule({
  meta: {
    id: "deps/lockfile-present",
    section: "foundation",
    title: "Dependency lockfiles are committed",
    severity: "error",
    rationale:
      "Without a committed lockfile every build resolves dependency versions anew, so the artifact that reaches production " +
      "is not the one that was tested and a compromised or broken release slips in unnoticed; a Go module without go.sum does not even build.",
    remediation: "Generate the lockfile (`go mod tidy`, `npm install`, `yarn`, `pnpm install`, `bun install`) and commit it; remove it from .gitignore.",
    docs: `Every dependency manifest that declares dependencies needs its lockfile in version control:

- **Go**: a \`go.mod\` with at least one \`require\` needs a \`go.sum\` in the same folder. Without it
  \`go build\` stops with "missing go.sum entry", and nothing checks that the downloaded code is the code
  that was reviewed. A \`go.work.sum\` does not replace a module's own \`go.sum\` (builds outside the
  workspace, \`GOWORK=off\` and \`go mod verify\` use the module's).
- **Node**: a \`package.json\` with \`dependencies\` or \`devDependencies\` needs a \`package-lock.json\`,
  \`npm-shrinkwrap.json\`, \`yarn.lock\`, \`pnpm-lock.yaml\` or \`bun.lock\`/\`bun.lockb\` in its folder or in a folder
  above it (a workspace has one lockfile, at its root).
- A lockfile that exists on disk but is excluded by \`.gitignore\` counts as missing: it is never committed,
  so CI and image builds never see it. The finding says so.

Bad (\`.gitignore\`):

\`\`\`gitignore
node_modules/
package-lock.json
\`\`\`

Good:

\`\`\`text
services/api/package.json        # a workspace member: no lockfile of its own
package.json                     # "workspaces": ["services/*"]
package-lock.json                # committed
\`\`\`

Findings point at the manifest: the \`module\` line of \`go.mod\`, the \`"dependencies"\` key of \`package.json\`.

Deliberately not reported: manifests without dependencies; manifests under \`testdata/\`, \`fixtures/\` or
\`__fixtures__/\` (test inputs, not projects); whether the lockfile is up to date with the
manifest (CI's \`npm ci\` / \`go mod verify\` checks that, see \`ci/dependencies-verified\`); which package manager
a lockfile belongs to; a nested \`package.json\` that is not a member of the workspace above it but is covered
by that workspace's lockfile.`,
    inputs: ["manifest"],
    tags: ["dependencies", "supply-chain", "reproducibility"],
    precision: "high",
  },
  check({ repo, report }) {
    const { goModules, packageJsons, lockfiles } = repo.manifests;
    const byPath = new Map(lockfiles.map((l) => [l.path, l]));

    for (const module of goModules) {
      if (module.requires.length === 0 || isTestData(scanRelative(repo, module.path))) continue; // nothing to checksum
      const sumPath = join(dirOf(module.path), "go.sum");
      const sum = byPath.get(sumPath);
      const count = plural(module.requires.length, "module");
      if (!sum) {
        report({
          path: module.path,
          range: module.range,
          message: `${module.path} requires ${count} but there is no go.sum beside it: \`go build\` fails with "missing go.sum entry" and downloaded module code is never checked against known checksums.`,
          fix: `Run \`go mod tidy\` in ${dirOf(module.path) || "the repository root"} and commit the resulting go.sum.`,
        });
      } else if (sum.ignored) {
        report({
          path: module.path,
          range: module.range,
          message: `${sum.path} exists but .gitignore excludes it, so it is never committed: builds from the repository fail with "missing go.sum entry" and the checksums of the ${count} that ${module.path} requires are never verified.`,
          fix: `Remove go.sum from .gitignore and commit ${sum.path}.`,
        });
      }
    }

    for (const pkg of packageJsons) {
      if (isTestData(scanRelative(repo, pkg.path))) continue;
      const keys = ["dependencies", "devDependencies"] as const;
      const declared = keys.filter((k) => Object.keys(pkg[k]).length > 0);
      if (declared.length === 0) continue;
      const candidates = nodeLockfilesFor(pkg, lockfiles);
      if (candidates.some((l) => !l.ignored)) continue;
      const count = plural(Object.keys(pkg.dependencies).length + Object.keys(pkg.devDependencies).length, "dependency", "dependencies");
      const range = pkg.locateKey([declared[0]!]);
      const ignored = candidates[0];
      if (ignored) {
        report({
          path: pkg.path,
          range,
          message: `${ignored.path} exists but .gitignore excludes it, so it is never committed: CI and image builds of ${pkg.path} resolve its ${count} anew instead of installing the tested versions.`,
          fix: `Remove ${baseName(ignored.path)} from .gitignore and commit it.`,
        });
      } else {
        report({
          path: pkg.path,
          range,
          message: `${pkg.path} declares ${count} but no lockfile (package-lock.json, yarn.lock, pnpm-lock.yaml, bun.lock) is in its folder or any folder above it: every install resolves versions anew, so production runs code that was never tested.`,
          fix: "Run your package manager's install (`npm install`, `yarn`, `pnpm install`, `bun install`) at the workspace root and commit the lockfile it writes.",
        });
      }
    }
  },
});

/** Test inputs, not projects: the go tool ignores `testdata/`, and fixtures are sample repositories. */
function isTestData(path: string): boolean {
  return /(^|\/)(testdata|fixtures|__fixtures__)\//.test(path);
}

/** Node lockfiles in the package's folder or an ancestor folder, nearest first. */
function nodeLockfilesFor(pkg: PackageJson, lockfiles: readonly Lockfile[]): Lockfile[] {
  const dir = dirOf(pkg.path);
  return lockfiles
    .filter((l) => NODE_LOCK_KINDS.has(l.kind) && isSameOrAncestor(dirOf(l.path), dir))
    .sort((a, b) => b.path.split("/").length - a.path.split("/").length);
}

function isSameOrAncestor(ancestor: string, dir: string): boolean {
  return ancestor === "" || dir === ancestor || dir.startsWith(`${ancestor}/`);
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function join(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
