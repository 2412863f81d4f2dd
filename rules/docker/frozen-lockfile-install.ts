import type { DockerfileModel, DockerStage } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { isNonProductionDockerfile, stageLineage } from "../../src/rule-kit/docker.js";
import { buildContext, copyParts, envFor, folderOf, isWholeContext, joinRelative } from "../../src/rule-kit/docker-build.js";
import { dependencySteps, type DependencyStep } from "../../src/rule-kit/docker-deps.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

const NPM_LOCKFILES = ["package-lock.json", "npm-shrinkwrap.json"];

export default defineRule({
  meta: {
    id: "docker/frozen-lockfile-install",
    section: "dependencies",
    title: "Images install Node dependencies from the lockfile",
    severity: "warning",
    rationale:
      "`npm install`, `yarn install` and `pnpm install` without a frozen lockfile resolve version ranges at build time: two builds of the same commit can ship different dependency versions, and a compromised or broken release is picked up silently.",
    remediation:
      "Use `npm ci` (`npm ci --omit=dev` for the runtime), `yarn install --frozen-lockfile` (Yarn 1) or `--immutable` (Yarn 2+), `pnpm install --frozen-lockfile`, `bun install --frozen-lockfile`.",
    docs: `
Every \`RUN\` that installs a Node project's dependencies must install exactly what the lockfile says:

| manager | reported | accepted |
|---|---|---|
| npm | \`npm install\`, \`npm i\` | \`npm ci\`; \`npm install --omit=dev\` / \`--production\` / \`--only=production\` when a lockfile is copied into the stage |
| yarn | \`yarn\`, \`yarn install\` | \`--frozen-lockfile\` (Yarn 1), \`--immutable\` (Yarn 2+) |
| pnpm | \`pnpm install\` | \`--frozen-lockfile\`, \`--offline\` after \`pnpm fetch\`, or \`CI=true\` in the environment (pnpm then freezes by default) |
| bun | \`bun install\` | \`--frozen-lockfile\` |

**Bad**
\`\`\`dockerfile
COPY package.json ./
RUN npm install
\`\`\`

**Good**
\`\`\`dockerfile
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
\`\`\`

A lockfile counts as copied into the stage when a \`COPY\` (in the stage or a stage it builds on) names it, a
\`package*.json\` glob, or the whole context, and the repository has one.

Not reported: ad-hoc installs of named packages (\`npm install @swc/cli\`) and global tool installs
(\`npm install -g firebase-tools@10\`), which are not the project's dependency tree; Go (\`go.sum\` is always
verified); development, test and CI Dockerfiles. Whether the lockfile exists at all is \`deps/lockfile-present\`.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "dependencies", "reproducibility", "supply-chain"],
    precision: "high",
  },
  check({ repo, report }) {
    const lockfiles = repo.manifests.lockfiles.filter((l) => !l.ignored).map((l) => l.path);
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      for (const stage of dockerfile.stages) {
        for (const instruction of stage.instructions) {
          for (const step of dependencySteps(instruction)) {
            if (step.manager === "go" || step.kind !== "install" || step.frozen) continue;
            if (accepted(dockerfile, stage, step, npmLockIn(lockfiles, [folderOf(dockerfile.path), buildContext(repo, dockerfile).dir]))) continue;
            report({
              path: dockerfile.path,
              range: instruction.range,
              message: message(step),
              fix: fix(step),
            });
          }
        }
      }
    }
  },
});

/** Whether one of the folders (the Dockerfile's, the build context) holds an npm lockfile. */
function npmLockIn(lockfiles: string[], dirs: string[]): boolean {
  return dirs.some((dir) => NPM_LOCKFILES.some((name) => lockfiles.includes(joinRelative(dir, name))));
}

function accepted(dockerfile: DockerfileModel, stage: DockerStage, step: DependencyStep, hasLock: boolean): boolean {
  if (step.manager === "pnpm") {
    const ci = envFor(dockerfile, stage, step.instruction, "CI", step.command);
    if (ci !== undefined && ci !== "" && ci !== "false" && ci !== "0") return true;
  }
  if (step.manager !== "npm" || !step.productionOnly) return false;
  return hasLock && copiesNpmLockfile(dockerfile, stage, step);
}

/** A COPY before the step (in the stage or its parents) brings in an npm lockfile the repository has. */
function copiesNpmLockfile(dockerfile: DockerfileModel, stage: DockerStage, step: DependencyStep): boolean {
  for (const ancestor of stageLineage(dockerfile, stage)) {
    for (const instruction of ancestor.instructions) {
      if (instruction === step.instruction) break;
      const parts = copyParts(dockerfile, ancestor, instruction);
      if (!parts || parts.from !== undefined) continue;
      const names = parts.sources.map((s) => s.split("/").at(-1) ?? s);
      if (parts.sources.some(isWholeContext)) return true;
      if (names.some((n) => NPM_LOCKFILES.includes(n) || n === "package*.json" || n === "*.json")) return true;
    }
  }
  return false;
}

function message(step: DependencyStep): string {
  const command = step.command.words.slice(0, 3).join(" ");
  switch (step.manager) {
    case "npm":
      return `\`${command}\` resolves version ranges from package.json and may rewrite the lockfile, so each build can install different dependency versions than the ones tested.`;
    case "yarn":
      return `\`${command}\` without \`--frozen-lockfile\`/\`--immutable\` updates yarn.lock when it does not match package.json instead of failing, so the image can get dependency versions nobody reviewed.`;
    case "pnpm":
      return `\`${command}\` without \`--frozen-lockfile\` updates pnpm-lock.yaml when it does not match package.json instead of failing, so the image can get dependency versions nobody reviewed.`;
    default:
      return `\`${command}\` without \`--frozen-lockfile\` may update bun's lockfile instead of failing, so the image can get dependency versions nobody reviewed.`;
  }
}

function fix(step: DependencyStep): string {
  switch (step.manager) {
    case "npm":
      return step.productionOnly
        ? "Copy package-lock.json into the stage and use `npm ci --omit=dev`."
        : "Copy package-lock.json and use `npm ci` (`npm ci --omit=dev` for the runtime stage).";
    case "yarn":
      return "Use `yarn install --frozen-lockfile` (Yarn 1) or `yarn install --immutable` (Yarn 2+).";
    case "pnpm":
      return "Use `pnpm install --frozen-lockfile`.";
    default:
      return "Use `bun install --frozen-lockfile`.";
  }
}
