import type { DockerfileModel, DockerInstruction, DockerStage } from "../../src/model/artifacts.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { baseFrom, finalStage, isNonProductionDockerfile, stageLineage } from "../../src/rule-kit/docker.js";
import {
  copyParts,
  envFor,
  imageLabel,
  resolvePath,
  runtimeLibc,
  shellCommands,
  stageNamed,
  workdirAt,
  type Libc,
  type ShellCommand,
} from "../../src/rule-kit/docker-build.js";
import { scanRelative } from "../../src/rule-kit/paths.js";

/** Alpine packages that bring a C compiler (cgo needs one). */
const C_COMPILERS = /(^|\s)(gcc|build-base|clang|musl-dev|alpine-sdk)(\s|$)/;

export default defineRule({
  meta: {
    id: "docker/static-go-binary",
    section: "foundation",
    title: "Go binaries copied into scratch, distroless/static or Alpine images are statically linked",
    severity: "error",
    rationale:
      "With cgo enabled (the default when the build image has a C compiler, as `golang:<version>` does), a Go binary that uses `net` or `os/user` is linked dynamically against the build image's C library. A runtime image without that library (scratch, distroless/static, or musl-based Alpine for a glibc binary) cannot run it: the container exits at once with `exec /app: no such file or directory`.",
    remediation: "Build with `CGO_ENABLED=0` (in `ENV`, `ARG` or on the `go build` line), or run on an image with the same C library as the build image.",
    docs: `
The rule follows each \`COPY --from=<stage>\` of the **final stage** back to the \`go build\` (or \`go install\`) in
that stage that produced the copied file (by its \`-o\` output; a build without \`-o\` matches any binary
copied from the stage), and decides how that build links:

- \`CGO_ENABLED=0\` in effect (\`ENV\`, an \`ARG\` default, \`export\`, \`go env -w\`, or on the command) → static;
- \`-tags netgo\` / \`-tags netgo,osusergo\` or \`-extldflags "-static"\` → static;
- \`CGO_ENABLED=1\`, or unset on an image with a C compiler → dynamic: \`golang:<version>\` (Debian, gcc
  included) links against glibc; \`golang:<version>-alpine\` has no compiler unless \`gcc\`/\`build-base\`/
  \`musl-dev\` is installed (Go 1.20+ then disables cgo by itself), and with one links against musl.

A dynamic binary is an **error** on a runtime without any C library (\`scratch\`, \`gcr.io/distroless/static*\`,
\`cgr.dev/chainguard/static\`) and on one with the other C library (glibc binary on Alpine, musl binary on
Debian or distroless/base). The finding points at the \`go build\` line.

**Bad**
\`\`\`dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /app .             # cgo on: dynamically linked against glibc

FROM scratch
COPY --from=build /app /app
ENTRYPOINT ["/app"]                # exec /app: no such file or directory
\`\`\`

**Good**
\`\`\`dockerfile
RUN CGO_ENABLED=0 go build -o /app .
\`\`\`

Not reported: \`gcr.io/distroless/base\`, \`cc\`, Debian or Ubuntu runtimes for binaries built on
\`golang:<version>\` (both glibc), Alpine runtimes for binaries built on \`golang:<version>-alpine\` (both musl),
build images this rule does not know (their C toolchain is unknown), \`CGO_ENABLED\` given by a build argument
without default, and development, test and CI Dockerfiles. A program that imports neither \`net\` nor \`os/user\`
(directly or through a dependency) links statically even with cgo: rare for a service, and the rule does not
read the source to tell.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "go", "cgo", "startup"],
    precision: "high",
  },
  check({ repo, report }) {
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const final = finalStage(dockerfile);
      if (!final) continue;
      const runtime = baseFrom(dockerfile, final);
      const runtimeC = runtimeLibc(runtime);
      if (runtimeC === "unknown") continue;
      const reported = new Set<DockerInstruction>();
      const finalLineage = stageLineage(dockerfile, final);
      for (const stage of finalLineage) {
        for (const copy of stage.instructions) {
          const parts = copyParts(dockerfile, stage, copy);
          if (!parts?.from) continue;
          const source = stageNamed(dockerfile, parts.from);
          if (!source || finalLineage.includes(source)) continue;
          for (const build of goBuilds(dockerfile, source)) {
            if (reported.has(build.instruction)) continue;
            if (!parts.sources.some((s) => producedBy(build, resolvePath("/", s)))) continue;
            const linking = linkage(dockerfile, build);
            if (linking === "static" || linking === "unknown") continue;
            if (linking === runtimeC) continue;
            reported.add(build.instruction);
            const cause =
              build.cgo === "1"
                ? "runs with `CGO_ENABLED=1`"
                : `runs with cgo enabled (CGO_ENABLED is not set and \`${imageLabel(baseFrom(dockerfile, build.stage))}\` has a C compiler)`;
            const lib = linking === "glibc" ? "glibc" : "musl";
            const missing =
              runtimeC === "none"
                ? `the final image \`${imageLabel(runtime)}\` has no C library at all`
                : `the final image \`${imageLabel(runtime)}\` has ${runtimeC === "musl" ? "musl" : "glibc"}, not ${lib}`;
            report({
              path: dockerfile.path,
              range: build.instruction.range,
              message:
                `\`${build.text}\` in stage ${label(build.stage)} ${cause}, so the binary copied into the final stage is dynamically linked against ${lib}; ` +
                `${missing}, so the container fails at start with "no such file or directory".`,
              fix: "Set `CGO_ENABLED=0` for this build (`RUN CGO_ENABLED=0 go build ...` or `ENV CGO_ENABLED=0`), or use a runtime image with the same C library.",
              related: [
                { path: dockerfile.path, range: copy.range, message: "The binary is copied into the final stage here." },
                { path: dockerfile.path, range: final.from.instruction.range, message: "The final stage's runtime image." },
              ],
            });
          }
        }
      }
    }
  },
});

interface GoBuild {
  stage: DockerStage;
  instruction: DockerInstruction;
  command: ShellCommand;
  /** Absolute output path from `-o`; undefined when not given. */
  output?: string;
  /** CGO_ENABLED as set for this command, when set. */
  cgo?: string;
  text: string;
}

function goBuilds(dockerfile: DockerfileModel, stage: DockerStage): GoBuild[] {
  const builds: GoBuild[] = [];
  for (const ancestor of stageLineage(dockerfile, stage)) {
    for (const instruction of ancestor.instructions) {
      if (instruction.keyword !== "RUN") continue;
      for (const command of shellCommands(instruction)) {
        const [program, sub] = command.words;
        if (program?.split("/").at(-1) !== "go" || (sub !== "build" && sub !== "install")) continue;
        if (sub === "install" && command.words.some((w) => w.includes("@"))) continue; // a tool, not the service
        const output = outputOf(command.words);
        const cgo = envFor(dockerfile, ancestor, instruction, "CGO_ENABLED", command);
        const text = command.words.slice(0, 2).join(" ");
        builds.push({
          stage: ancestor,
          instruction,
          command,
          ...(output !== undefined && { output: resolvePath(workdirAt(dockerfile, ancestor, instruction), output) }),
          ...(cgo !== undefined && { cgo }),
          text,
        });
      }
    }
  }
  return builds;
}

function outputOf(words: string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "-o" || w === "--o") return words[i + 1];
    if (w.startsWith("-o=")) return w.slice(3);
  }
  return undefined;
}

/** Whether a copied path is (or holds) the build's output; a build without `-o` matches anything but system files. */
function producedBy(build: GoBuild, copied: string): boolean {
  if (build.output === undefined) return !/^\/(etc|usr\/share|usr\/lib|lib)\//.test(copied);
  return build.output === copied || build.output.startsWith(copied === "/" ? "/" : `${copied}/`);
}

/** How the build links: static, or dynamically against the build image's C library. */
function linkage(dockerfile: DockerfileModel, build: GoBuild): Libc | "static" {
  const cgo = build.cgo;
  if (cgo !== undefined && cgo.includes("$")) return "unknown";
  if (cgo === "0") return "static";
  const words = build.command.words;
  const tags = words.flatMap((w, i) => (w === "-tags" ? [words[i + 1] ?? ""] : w.startsWith("-tags=") ? [w.slice(6)] : []));
  if (tags.some((t) => /(^|[,\s])netgo($|[,\s])/.test(t))) return "static";
  if (words.some((w) => /-extldflags[= ]?["']?[^"']*-static/.test(w) || w.includes("-static"))) return "static";
  const base = baseFrom(dockerfile, build.stage);
  const image = base.image;
  if (!image || image.name !== "golang") return "unknown";
  const musl = /alpine/.test(image.tag ?? "");
  if (cgo === "1") return musl ? "musl" : "glibc";
  if (!musl) return "glibc"; // golang:<version> is Debian with gcc: cgo is on by default
  const installsCompiler = stageLineage(dockerfile, build.stage).some((s) =>
    s.instructions.some((i) => i.keyword === "RUN" && /\bapk\b[^\n]*\badd\b/.test(i.text) && C_COMPILERS.test(i.text.replace(/\\\n/g, " "))),
  );
  return installsCompiler ? "musl" : "static";
}

function label(stage: DockerStage): string {
  return stage.name ? `\`${stage.name}\`` : `#${stage.index}`;
}
