import type { DockerfileModel, DockerInstruction, DockerStage, ImageRef } from "../../src/model/artifacts.js";
import { scanRelative } from "../../src/rule-kit/paths.js";
import { defineRule } from "../../src/rule-kit/define-rule.js";
import { baseFrom, commandText, finalStage, isNonProductionDockerfile, stageLineage } from "../../src/rule-kit/docker.js";

type Language = "go" | "node";

/** A compile step, matched where a shell command starts (`go build`, never `cargo build`). */
const COMPILE: { language: Language; pattern: RegExp }[] = [
  { language: "go", pattern: /(?:^|[\s;&|(])go\s+(?:build|install)\b/m },
  { language: "node", pattern: /(?:^|[\s;&|(])(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?build\b/m },
  { language: "node", pattern: /(?:^|[\s;&|(])(?:(?:npx|pnpm\s+exec|yarn)\s+)?(?:tsc|nest\s+build)(?=[\s;&|)]|$)/m },
];

export default defineRule({
  meta: {
    id: "docker/multi-stage-build",
    section: "foundation",
    title: "Compiled services ship a minimal runtime image (multi-stage build)",
    severity: "warning",
    rationale:
      "When the image that ships is the one that compiled the service, production carries the compiler, the sources, dev dependencies and build caches: an image several times larger, slower to pull and scale, with far more software for an attacker to use.",
    remediation:
      "Compile in a build stage (`FROM golang:1.22 AS build`) and copy only the output into a minimal final stage (`FROM gcr.io/distroless/static-debian12`, `alpine`, `node:20-slim`).",
    docs: `
Go and built Node/TypeScript services should be compiled in one stage and run from another that receives only
the build output. The rule looks at the **final stage** (the image that ships) and the stages it builds on
through \`FROM <stage>\`, and reports when:

- a compile step runs there: \`go build\`, \`go install\`, \`npm|yarn|pnpm|bun run build\`, \`tsc\`, \`nest build\`
  (single-stage builds, or \`FROM build AS final\`);
- its base image is the Go toolchain (\`golang\`);
- a Node build happens in an earlier stage but the final image is the full \`node\` image (Debian with
  compilers, Python and git). \`node:*-slim\`, \`node:*-alpine\` and distroless are fine runtimes for
  \`node dist/main.js\`.

**Bad**
\`\`\`dockerfile
FROM golang:1.22
COPY . .
RUN go build -o /app .
CMD ["/app"]
\`\`\`

**Good**
\`\`\`dockerfile
FROM golang:1.22 AS build
COPY . .
RUN CGO_ENABLED=0 go build -o /app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /app /app
ENTRYPOINT ["/app"]
\`\`\`

Not reported: Dockerfiles that compile nothing (an nginx image serving static files, a Python or plain
JavaScript app), a \`node\` runtime for an app that has no build step, and development, test and CI Dockerfiles
(\`Dockerfile.dev\`, \`Dockerfile.build\`, \`.devcontainer/\`, \`test/\`, or an image whose CMD/ENTRYPOINT starts a hot-reload runner such as reflex, air or nodemon), which carry toolchains on purpose.
`.trim(),
    inputs: ["dockerfile"],
    tags: ["docker", "image-size", "attack-surface"],
    precision: "high",
  },
  check({ repo, report }) {
    for (const dockerfile of repo.dockerfiles) {
      if (isNonProductionDockerfile(dockerfile, scanRelative(repo, dockerfile.path))) continue;
      const final = finalStage(dockerfile);
      if (!final) continue;
      const lineage = stageLineage(dockerfile, final);
      const finalFrom = final.from.instruction;

      // 1. The shipped image compiles: its toolchain and sources ship with it.
      const compiled = findCompile(lineage);
      if (compiled) {
        const toolchain = compiled.language === "go" ? "the Go toolchain, module cache and sources" : "devDependencies, sources and build tools";
        const step = `\`${compiled.command}\` on line ${compiled.instruction.range.start.line}`;
        const where =
          dockerfile.stages.length === 1
            ? `This single-stage build compiles (${step})`
            : compiled.stage === final
              ? `The final stage compiles (${step})`
              : `The final stage builds on stage ${label(compiled.stage)}, which compiles (${step})`;
        report({
          path: dockerfile.path,
          range: finalFrom.range,
          message: `${where} in the image that ships, so ${toolchain} go to production with it.`,
          fix:
            compiled.language === "go"
              ? "Compile in a build stage (`FROM golang:<version> AS build`) and copy only the binary into a minimal final stage (`gcr.io/distroless/static-debian12:nonroot`, `alpine`)."
              : "Build in a stage of its own (`FROM node:<version> AS build`, `npm ci && npm run build`), then copy the output and production dependencies (`npm ci --omit=dev`) into a slim final stage (`node:<version>-slim`, distroless Node).",
          related: [{ path: dockerfile.path, range: compiled.instruction.range, message: "The compile step." }],
        });
        continue;
      }

      // 2. The shipped image is a toolchain image even though the build happened elsewhere.
      const base = baseFrom(dockerfile, final).image;
      if (!base) continue;
      if (isGoToolchain(base)) {
        report({
          path: dockerfile.path,
          range: finalFrom.range,
          message: `The final image is built on \`${base.text}\`, the Go toolchain image (compiler, sources, several hundred MB): a compiled Go binary needs none of it at run time.`,
          fix: "Copy the binary into a minimal final stage such as `gcr.io/distroless/static-debian12:nonroot` or `alpine`.",
        });
      } else if (isFullNode(base) && compilesAnywhere(dockerfile, "node")) {
        report({
          path: dockerfile.path,
          range: finalFrom.range,
          message: `The final image is built on \`${base.text}\`, the full Node image with compilers, Python and git: the built app needs only the Node runtime.`,
          fix: `Use a slim runtime for the final stage, such as \`node:${slimTag(base)}\`, \`node:<version>-alpine\` or distroless Node.`,
        });
      }
    }
  },
});

interface Compile {
  language: Language;
  stage: DockerStage;
  instruction: DockerInstruction;
  /** The compile command itself, shortened for messages. */
  command: string;
}

function findCompile(stages: DockerStage[], language?: Language): Compile | undefined {
  for (const stage of stages) {
    for (const instruction of stage.instructions) {
      if (instruction.keyword !== "RUN") continue;
      const text = commandText(instruction);
      for (const compile of COMPILE) {
        if (language !== undefined && compile.language !== language) continue;
        const match = compile.pattern.exec(text);
        if (match) return { language: compile.language, stage, instruction, command: commandAt(text, match.index) };
      }
    }
  }
  return undefined;
}

function compilesAnywhere(dockerfile: DockerfileModel, language: Language): boolean {
  return findCompile(dockerfile.stages, language) !== undefined;
}

function isGoToolchain(image: ImageRef): boolean {
  return image.name === "golang";
}

/** `node`, `node:20`, `node:20-bookworm`: not `-slim`, `-alpine` or another runtime-sized variant. */
function isFullNode(image: ImageRef): boolean {
  if (image.name !== "node" || !(image.repository === "node" || image.repository === "library/node")) return false;
  return !/slim|alpine|distroless/.test(image.tag ?? "");
}

function slimTag(image: ImageRef): string {
  const version = /^\d+(?:\.\d+)*/.exec(image.tag ?? "")?.[0];
  return version ? `${version}-slim` : "<version>-slim";
}

function label(stage: DockerStage): string {
  return stage.name ? `\`${stage.name}\`` : `#${stage.index}`;
}

/** The command starting at `index`, up to the next `&&`, `;`, `|` or line end, shortened for a message. */
function commandAt(text: string, index: number): string {
  const command = text.slice(index).replace(/^[\s;&|(]+/, "").split(/&&|\|\||;|\||\n/)[0].trim().replace(/\s+/g, " ");
  return command.length > 60 ? `${command.slice(0, 57)}...` : command;
}
