import type { DockerfileModel, DockerInstruction, DockerStage } from "../../src/model/artifacts.js";
import type { Repository } from "../../src/model/repository.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { isNonProductionDockerfile, stageLineage } from "../../src/rule-kit/docker.js";
import { buildContext, copyParts, envFor, isWholeContext, runMounts } from "../../src/rule-kit/docker-build.js";
import { dependencySteps, ecosystem, type DependencyStep } from "../../src/rule-kit/docker-deps.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

export default defineRule({
  meta: {
    id: "docker/dependencies-before-source",
    section: "foundation",
    title: "Dependency manifests are copied and installed before the source",
    severity: "warning",
    rationale:
      "Docker reuses a cached layer only while everything copied before it is unchanged. When `COPY . .` comes before the dependency download, every code change invalidates it: each build downloads every module or package again, which makes builds slow and fragile (registry outages, rate limits).",
    remediation:
      "Copy only the manifests and lockfile first (`COPY go.mod go.sum ./` + `RUN go mod download`, or `COPY package.json package-lock.json ./` + `RUN npm ci`), then `COPY . .`.",
    docs: `
In each stage, when the whole build context is copied (\`COPY . .\`, \`COPY . /src\`, \`ADD . .\`) and a step after it
resolves dependencies, the dependencies must already have been fetched in a step before it:

- **Go**: \`go build\`, \`go test\`, \`go install ./...\` after the source copy fetch every module unless
  \`go mod download\` ran earlier (after \`COPY go.mod go.sum ./\`);
- **Node**: \`npm ci\`, \`npm install\`, \`yarn install\`, \`pnpm install\`, \`bun install\` after the source copy
  are reported unless an install (or \`pnpm fetch\`) ran earlier.

The finding points at the \`COPY\` of the source.

**Bad**
\`\`\`dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go mod download && go build -o /app .
\`\`\`

**Good**
\`\`\`dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /app .
\`\`\`

Not reported: steps that use a BuildKit cache mount (\`RUN --mount=type=cache,target=/go/pkg/mod go build\`),
which keeps downloads across builds; vendored Go builds (\`-mod=vendor\`, \`GOFLAGS=-mod=vendor\`); Go steps when
the build context holds no \`go.mod\` (nothing to download); ad-hoc and global installs (\`npm install -g\`,
\`go install tool@v1\`); development, test and CI Dockerfiles. A repository that vendors its modules without
saying so on the build line (\`vendor/\` is used automatically since Go 1.14) is not visible to this rule:
suppress the finding there.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "build-cache", "reproducibility"],
    precision: "high",
  },
  check({ repo, report }) {
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const context = buildContext(repo, dockerfile);
      // Without evidence of the context (only `COPY . .`), any go.mod in the repository may be in it.
      const contextDir = context.known ? context.dir : "";
      for (const stage of dockerfile.stages) {
        const found = lateDependencySteps(dockerfile, stage, repo, contextDir);
        if (!found) continue;
        const { copy, steps } = found;
        const go = steps.find((s) => s.manager === "go");
        const node = steps.find((s) => s.manager !== "go");
        const parts: string[] = [];
        if (go) parts.push(`\`${short(go)}\` on line ${go.instruction.range.start.line} downloads every Go module`);
        if (node) parts.push(`\`${short(node)}\` on line ${node.instruction.range.start.line} installs every package`);
        const fix: string[] = [];
        if (go) fix.push("`COPY go.mod go.sum ./` and `RUN go mod download`");
        if (node) fix.push(`\`COPY package.json <lockfile> ./\` and \`RUN ${node.manager === "npm" ? "npm ci" : `${node.manager} install --frozen-lockfile`}\``);
        report({
          path: dockerfile.path,
          range: copy.range,
          message:
            `\`${copy.keyword} ${copy.args.join(" ")}\` copies the whole source before the dependencies are fetched: ${parts.join(", and ")} ` +
            "again whenever any file changes, because Docker's layer cache stops at the first changed COPY.",
          fix: `Before this ${copy.keyword}, add ${fix.join(" and ")}; then copy the source.`,
          related: steps.map((s) => ({ path: dockerfile.path, range: s.instruction.range, message: "Dependencies are resolved here, after the source copy." })),
        });
      }
    }
  },
});

/**
 * In a stage: the first copy of the whole context, and the dependency steps after it that nothing before
 * it prepared (per ecosystem). Undefined when there is nothing to report.
 */
function lateDependencySteps(
  dockerfile: DockerfileModel,
  stage: DockerStage,
  repo: Repository,
  contextDir: string,
): { copy: DockerInstruction; steps: DependencyStep[] } | undefined {
  const copyIndex = stage.instructions.findIndex((i) => {
    const parts = copyParts(dockerfile, stage, i);
    return parts !== undefined && parts.from === undefined && parts.sources.some(isWholeContext);
  });
  if (copyIndex < 0) return undefined;
  const copy = stage.instructions[copyIndex]!;

  // Steps before the copy: in this stage, and in the stages it builds on.
  const before: DependencyStep[] = [];
  for (const ancestor of stageLineage(dockerfile, stage).slice(1)) for (const i of ancestor.instructions) before.push(...dependencySteps(i));
  for (const i of stage.instructions.slice(0, copyIndex)) before.push(...dependencySteps(i));
  const prepared = new Set(before.filter((s) => s.kind !== "build").map((s) => ecosystem(s.manager)));

  const hasGoModule = repo.files.some((f) => f.path.endsWith("go.mod") && (contextDir === "" || f.path.startsWith(`${contextDir}/`)));
  const late: DependencyStep[] = [];
  for (const instruction of stage.instructions.slice(copyIndex + 1)) {
    if (runMounts(instruction).some((m) => m.type === "cache")) continue;
    for (const step of dependencySteps(instruction)) {
      const eco = ecosystem(step.manager);
      if (prepared.has(eco) || late.some((s) => ecosystem(s.manager) === eco)) continue;
      if (eco === "go") {
        if (!hasGoModule || vendored(dockerfile, stage, step)) continue;
      }
      late.push(step);
    }
  }
  return late.length > 0 ? { copy, steps: late } : undefined;
}

function vendored(dockerfile: DockerfileModel, stage: DockerStage, step: DependencyStep): boolean {
  if (step.command.words.some((w) => w === "-mod=vendor")) return true;
  const goflags = envFor(dockerfile, stage, step.instruction, "GOFLAGS", step.command);
  return goflags !== undefined && goflags.includes("-mod=vendor");
}

function short(step: DependencyStep): string {
  const text = step.command.words.join(" ");
  return text.length > 50 ? `${text.slice(0, 47)}...` : text;
}
