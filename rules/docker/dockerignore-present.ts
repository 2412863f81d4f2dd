import type { DockerfileModel, DockerIgnoreFile, DockerInstruction } from "../../src/model/artifacts.js";
import type { Repository } from "../../src/model/repository.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { finalStage, isNonProductionDockerfile, stageLineage } from "../../src/rule-kit/docker.js";
import { buildContext, copyParts, folderOf, isWholeContext, joinRelative } from "../../src/rule-kit/docker-build.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { FILE_START } from "../../src/rule-kit/ranges.js";

/** Folders that hold Dockerfiles built from elsewhere (`docker/app-prod/Dockerfile`). */
const DOCKERFILE_FOLDERS = new Set(["docker", ".docker", "dockerfiles", "build", "deploy", "deployments", "ci"]);

/** `.env` files that are meant to be committed and copied: templates. */
const ENV_TEMPLATE = /\.(example|sample|template|dist|defaults?)$/i;

export default defineRule({
  meta: {
    id: "docker/dockerignore-present",
    section: "security",
    title: "A .dockerignore keeps secrets, .git and node_modules out of a copied build context",
    severity: "warning",
    rationale:
      "`COPY . .` copies everything `docker build` was sent: without a .dockerignore that is the developer's `.git` history, local `.env` files and private keys, and host-built `node_modules` — baked into a layer of the image, readable by anyone who pulls it, and a cache-busting, slow upload on every build.",
    remediation: "Add a `.dockerignore` to the build context listing at least `.git`, `.env*`, `*.pem`, `*.key` and `node_modules`.",
    docs: `
Checked only for production Dockerfiles that copy the whole build context (\`COPY . .\`, \`COPY . /src\`, \`ADD . .\`).
The build context is the \`build.context\` of a Compose service that builds the Dockerfile, or the context of a
\`docker build\` command that CI runs for it (also through make targets and shell scripts: \`docker build ./internal
-f docker/app-prod/Dockerfile\`), else the Dockerfile's folder, or the ancestor folder its COPY paths resolve against (go-zero's \`goctl docker\` Dockerfiles are built
from the module root). The ignore file is \`<Dockerfile name>.dockerignore\`
next to the Dockerfile when there is one (BuildKit prefers it), else \`.dockerignore\` at the context root.

Patterns are matched as Docker does: anchored at the context root (\`node_modules\` excludes only the top-level
folder, \`**/node_modules\` every one), the last matching pattern wins, \`!\` re-includes.

- **warning**, at the \`COPY\`: no ignore file at all (not reported for a Dockerfile under a \`docker/\`, \`build/\`,
  \`deploy/\` or \`ci/\` folder when nothing says where it is built from: that folder is not its context, and the
  real one is unknown);
- **warning**, at the ignore file: it lets through something the repository shows will be there —
  \`.git\` when the context is the repository root, \`node_modules\` next to a \`package.json\` in the context,
  or a \`.env\` file in the context (templates such as \`.env.example\` are fine);
- **note**, at the ignore file: it lets through only what *could* be in a developer's checkout (\`.env\`,
  \`*.pem\`, \`*.key\` at the context root); these files are usually git-ignored, so this tool cannot see them.

**Bad**
\`\`\`dockerfile
COPY . .          # no .dockerignore: .git, .env and node_modules go into the image
\`\`\`

**Good** (\`.dockerignore\`)
\`\`\`
.git
.env*
!.env.example
*.pem
*.key
node_modules
**/node_modules
\`\`\`

Not reported: Dockerfiles that copy named paths only (\`COPY go.mod go.sum ./\`, \`COPY src ./src\`), and
development, test and CI Dockerfiles. One finding per ignore file, however many Dockerfiles share it.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "security", "secrets", "build-context"],
    precision: "high",
    securitySeverity: 5.0,
  },
  check({ repo, report }) {
    const reportedIgnoreFiles = new Set<string>();
    const reportedContexts = new Set<string>();
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const copy = wholeContextCopy(dockerfile);
      if (!copy) continue;
      const { dir: context, known } = buildContext(repo, dockerfile);
      const ignore = ignoreFileFor(repo, dockerfile, context);
      if (!ignore) {
        // A Dockerfile kept in a folder of Dockerfiles, with nothing telling where it is built from (`docker build
        // -f docker/app/Dockerfile ./internal`): its folder is not the context, and the real one is unknown.
        if (!known && context.split("/").some((segment) => DOCKERFILE_FOLDERS.has(segment.toLowerCase()))) continue;
        if (reportedContexts.has(context)) continue;
        reportedContexts.add(context);
        const what = context === "" ? "`.git`, local `.env` files, private keys and `node_modules`" : "local `.env` files, private keys and `node_modules`";
        report({
          path: dockerfile.path,
          range: copy.range,
          message:
            `\`${copy.keyword} ${copy.args.join(" ")}\` copies the whole build context (\`${context || "."}\`), which has no .dockerignore: ` +
            `${what} on the machine that builds are sent to the builder and copied into the ${inFinalImage(dockerfile, copy) ? "image" : "build stage"}.`,
          fix: `Add \`${joinRelative(context, ".dockerignore")}\` listing at least \`.git\`, \`.env*\`, \`*.pem\`, \`*.key\` and \`node_modules\`.`,
        });
        continue;
      }
      if (reportedIgnoreFiles.has(ignore.path)) continue;
      reportedIgnoreFiles.add(ignore.path);

      const concrete = concreteLeaks(repo, ignore, context);
      const speculative = [".env", "*.pem", "*.key"].filter((entry) => {
        const sample = entry === ".env" ? ".env" : entry === "*.pem" ? "key.pem" : "server.key";
        return !ignore.excludes(sample) && !concrete.some((c) => c.entry === entry);
      });
      if (concrete.length === 0 && speculative.length === 0) continue;
      const into = inFinalImage(dockerfile, copy) ? "the image" : "a build stage";
      const related = [{ path: dockerfile.path, range: copy.range, message: `Copies the whole build context into ${into}.` }];
      if (concrete.length > 0) {
        const items = concrete.map((c) => c.why);
        const more = speculative.length > 0 ? `; it does not exclude ${speculative.map((s) => `\`${s}\``).join(", ")} either` : "";
        report({
          path: ignore.path,
          range: FILE_START,
          message: `${ignore.path} lets ${items.join(", ")} into the build context that \`${copy.keyword} ${copy.args.join(" ")}\` in ${dockerfile.path} copies into ${into}${more}.`,
          fix: `Add ${[...concrete.map((c) => `\`${c.entry}\``), ...speculative.map((s) => `\`${s}\``)].join(", ")} to ${ignore.path}.`,
          related,
        });
        continue;
      }
      report({
        path: ignore.path,
        range: FILE_START,
        severity: "note",
        message:
          `${ignore.path} does not exclude ${speculative.map((s) => `\`${s}\``).join(", ")}: none is visible in the repository (such files are usually git-ignored), ` +
          `but a developer's local copy would be copied into ${into} by \`${copy.keyword} ${copy.args.join(" ")}\` in ${dockerfile.path}.`,
        fix: `Add ${speculative.map((s) => `\`${s}\``).join(", ")} to ${ignore.path}.`,
        related,
      });
    }
  },
});

/** Whether the instruction is in the final stage or a stage it builds on. */
function inFinalImage(dockerfile: DockerfileModel, instruction: DockerInstruction): boolean {
  const final = finalStage(dockerfile);
  return final !== undefined && stageLineage(dockerfile, final).some((s) => s.instructions.includes(instruction));
}

function wholeContextCopy(dockerfile: DockerfileModel): DockerInstruction | undefined {
  for (const stage of dockerfile.stages) {
    for (const instruction of stage.instructions) {
      const parts = copyParts(dockerfile, stage, instruction);
      if (parts && parts.from === undefined && parts.sources.some(isWholeContext)) return instruction;
    }
  }
  return undefined;
}

function ignoreFileFor(repo: Repository, dockerfile: DockerfileModel, context: string): DockerIgnoreFile | undefined {
  const own = `${dockerfile.path}.dockerignore`;
  return (
    repo.dockerignores.find((d) => d.path === own) ??
    repo.dockerignores.find((d) => d.path === joinRelative(context, ".dockerignore"))
  );
}

/** What the repository shows will be in the context and the ignore file lets through. */
function concreteLeaks(repo: Repository, ignore: DockerIgnoreFile, context: string): { entry: string; why: string }[] {
  const leaks: { entry: string; why: string }[] = [];
  const inContext = (path: string) => (context === "" ? path : path.startsWith(`${context}/`) ? path.slice(context.length + 1) : undefined);
  // .git sits at the repository root; scanning a subfolder still has it above.
  if (context === "" && !ignore.excludes(".git/HEAD")) leaks.push({ entry: ".git", why: "the `.git` folder (the full history, including anything ever committed)" });
  const nodeDirs = new Set<string>();
  for (const file of repo.files) {
    const relative = inContext(file.path);
    if (relative === undefined) continue;
    if (file.path.endsWith("package.json") && file.path.split("/").at(-1) === "package.json") {
      const dir = folderOf(relative);
      if (!ignore.excludes(joinRelative(dir, "node_modules/x.js"))) nodeDirs.add(dir);
    }
  }
  if (nodeDirs.size > 0) {
    const first = [...nodeDirs][0]!;
    leaks.push({ entry: first === "" ? "node_modules" : "**/node_modules", why: `\`${joinRelative(first, "node_modules")}\` (host-built packages that overwrite the image's own)` });
  }
  const envFiles = repo.files
    .filter((f) => f.kind === "env")
    .map((f) => inContext(f.path))
    .filter((p): p is string => p !== undefined && !ENV_TEMPLATE.test(p) && !ignore.excludes(p));
  if (envFiles.length > 0) leaks.push({ entry: ".env", why: `\`${envFiles[0]}\` (environment secrets)` });
  return leaks;
}
