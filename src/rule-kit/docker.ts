import type { DockerFrom, DockerfileModel, DockerInstruction, DockerStage } from "../model/artifacts.js";
import type { Range } from "../model/location.js";

export function finalStage(dockerfile: DockerfileModel): DockerStage | undefined {
  return dockerfile.stages[dockerfile.stages.length - 1];
}

/**
 * A stage and the stages it builds on through `FROM <stage>`, nearest first. Runtime properties
 * (USER, CMD, EXPOSE, ENV) are inherited along this chain.
 */
export function stageLineage(dockerfile: DockerfileModel, stage: DockerStage): DockerStage[] {
  const lineage: DockerStage[] = [];
  const seen = new Set<number>();
  let current: DockerStage | undefined = stage;
  while (current && !seen.has(current.index)) {
    lineage.push(current);
    seen.add(current.index);
    const parent: number | undefined = current.from.parentStage;
    current = parent === undefined ? undefined : dockerfile.stages[parent];
  }
  return lineage;
}

/** The last instruction with that keyword in effect for a stage, following its parents. */
export function effectiveInstruction(
  dockerfile: DockerfileModel,
  stage: DockerStage,
  keyword: string,
): { stage: DockerStage; instruction: DockerInstruction } | undefined {
  for (const ancestor of stageLineage(dockerfile, stage)) {
    const found = ancestor.instructions.filter((i) => i.keyword === keyword).at(-1);
    if (found) return { stage: ancestor, instruction: found };
  }
  return undefined;
}

/** The FROM that names the image a stage is built on: its own, or that of the stage lineage's root. */
export function baseFrom(dockerfile: DockerfileModel, stage: DockerStage): DockerFrom {
  return stageLineage(dockerfile, stage).at(-1)!.from;
}

/** The image word of a FROM line (after any --platform flag), where findings about the image point. */
export function fromImageRange(from: DockerFrom): Range {
  const { start, end } = from.instruction.argsRange;
  const written = from.instruction.args[0] ?? "";
  const endColumn = Math.min(end.line === start.line ? end.column : Infinity, start.column + written.length);
  return { start, end: { line: start.line, column: Math.max(start.column, endColumn) } };
}

/** What a RUN executes: the exec-form words joined, or the shell text (heredoc bodies included). */
export function commandText(instruction: DockerInstruction): string {
  return instruction.exec ? instruction.exec.join(" ") : instruction.text;
}

const NON_PRODUCTION_WORDS = new Set([
  "dev", "develop", "development", "devcontainer", "test", "tests", "testing", "e2e", "ci", "local", "debug",
  "build", "builder", // the pre-multi-stage "builder pattern": an image built only to extract artifacts
]);
const NON_PRODUCTION_DIRS = new Set([".devcontainer", "testdata", "test", "tests", "e2e", "__fixtures__"]);
/** Words in a file or folder name for images that never run as the service: emulators, test runners, code generators. */
const TOOL_IMAGE_WORDS = new Set(["emulator", "emulators", "cypress", "playwright", "genproto", "codegen", "protogen", "mock", "mocks"]);
/** Base images of browser test runners. */
const TEST_RUNNER_BASE = /^(cypress\/|mcr\.microsoft\.com\/playwright|selenium\/)/;

/**
 * Dockerfiles that build development, test, CI or builder images (`Dockerfile.dev`, `ci.Dockerfile`, `Dockerfile.build`,
 * `.devcontainer/Dockerfile`, `test/...`), images that start a hot-reload runner or set a development mode
 * (`ENV NODE_ENV=development`): they carry toolchains and run as root on purpose, so runtime-image rules
 * leave them alone.
 */
export function isNonProductionDockerfile(dockerfile: DockerfileModel, scanPath: string): boolean {
  const segments = scanPath.toLowerCase().split("/");
  const base = segments.pop() ?? "";
  if (segments.some((s) => NON_PRODUCTION_DIRS.has(s))) return true;
  if (base.split(/[.\-_]/).some((word) => NON_PRODUCTION_WORDS.has(word))) return true;
  if ([...segments, base].some((segment) => segment.split(/[.\-_]/).some((word) => TOOL_IMAGE_WORDS.has(word)))) return true;
  return runsLiveReload(dockerfile) || setsDevelopmentMode(dockerfile) || exportsArtifactsOnly(dockerfile) || isTestRunnerImage(dockerfile);
}

/**
 * A final stage `FROM scratch` with no CMD or ENTRYPOINT cannot run: it is built with `--output` to export
 * files (an APK, a binary), so runtime-image rules do not apply.
 */
function exportsArtifactsOnly(dockerfile: DockerfileModel): boolean {
  const stage = finalStage(dockerfile);
  if (!stage || !baseFrom(dockerfile, stage).scratch) return false;
  return ["CMD", "ENTRYPOINT"].every((keyword) => {
    const found = effectiveInstruction(dockerfile, stage, keyword);
    // No command, or one naming a package file (`ENTRYPOINT ["/app.apk"]`) that cannot be executed.
    return found === undefined || ARTIFACT_FILE.test(commandText(found.instruction).trim().split(/\s+/)[0] ?? "");
  });
}

const ARTIFACT_FILE = /\.(apk|aab|ipa|zip|tar|tgz|gz|whl|deb|rpm)["']?$/i;

function isTestRunnerImage(dockerfile: DockerfileModel): boolean {
  const stage = finalStage(dockerfile);
  const image = stage ? baseFrom(dockerfile, stage).image : undefined;
  return image !== undefined && TEST_RUNNER_BASE.test(image.text.toLowerCase());
}

/** `ENV NODE_ENV=development` (or Flask's, Rails', Gin's equivalent) in the final stage: a development image. */
const DEVELOPMENT_ENV: Record<string, RegExp> = {
  NODE_ENV: /^(dev|development)$/i,
  FLASK_ENV: /^development$/i,
  RAILS_ENV: /^development$/i,
  GIN_MODE: /^debug$/i,
};

function setsDevelopmentMode(dockerfile: DockerfileModel): boolean {
  const stage = finalStage(dockerfile);
  if (!stage) return false;
  return stageLineage(dockerfile, stage).some((s) =>
    s.instructions.some((i) => {
      if (i.keyword !== "ENV") return false;
      const pairs = i.args.length >= 2 && !i.args[0]!.includes("=") ? [[i.args[0]!, i.args.slice(1).join(" ")]] : i.args.map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]);
      return pairs.some(([key, value]) => key !== undefined && DEVELOPMENT_ENV[key]?.test(value ?? "") === true);
    }),
  );
}

/** Hot-reload runners: an image that starts one is a development environment, whatever its file is called. */
const LIVE_RELOAD = /(^|[\s/"'])(reflex|air|CompileDaemon|nodemon|ts-node-dev|tsx watch|next dev|nest start --watch)(\s|$|["'])/;

function runsLiveReload(dockerfile: DockerfileModel): boolean {
  const stage = finalStage(dockerfile);
  if (!stage) return false;
  return ["CMD", "ENTRYPOINT"].some((keyword) => {
    const found = effectiveInstruction(dockerfile, stage, keyword);
    return found !== undefined && LIVE_RELOAD.test(commandText(found.instruction));
  });
}
