/**
 * Helpers for Dockerfile rules that follow what a build does: the shell commands of a RUN, the files a
 * COPY brings in and where they come from, the WORKDIR and ENV in effect, the command the image starts,
 * the build context, and what C library a runtime image has.
 */
import type { ConfigDocument, DockerFrom, DockerfileModel, DockerInstruction, DockerStage, ImageRef } from "../model/artifacts.js";
import type { Repository } from "../model/repository.js";
import { ciCommands } from "./ci-commands.js";
import { commandText, effectiveInstruction, stageLineage } from "./docker.js";

// ---------------------------------------------------------------------------------------------
// Shell commands

export interface ShellCommand {
  /** Words after leading `NAME=value` assignments, quotes removed. */
  words: string[];
  /** Leading `NAME=value` assignments (`CGO_ENABLED=0 go build`). */
  env: Record<string, string>;
  /** The command as written, trimmed (for messages). */
  text: string;
}

/**
 * The simple commands of a RUN (or any shell text), split at `&&`, `||`, `;`, `|`, newlines and
 * parentheses. Enough to recognise `go build`, `npm ci` and `export X=1`; not a shell parser.
 */
export function shellCommands(instruction: DockerInstruction): ShellCommand[] {
  if (instruction.exec) return [toCommand(instruction.exec, instruction.exec.join(" "))];
  return splitShell(commandText(instruction));
}

export function splitShell(text: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  for (const part of text.split(/&&|\|\||;|\||\n|\(|\)|`/)) {
    const trimmed = part.trim();
    if (trimmed === "") continue;
    commands.push(toCommand(shellWords(trimmed), trimmed));
  }
  return commands;
}

function toCommand(all: string[], text: string): ShellCommand {
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < all.length; i++) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(all[i]!);
    if (!match) break;
    env[match[1]!] = match[2]!;
  }
  let words = all.slice(i);
  // `sudo`, `env` and `exec` wrap the real command.
  while (words.length > 0 && ["sudo", "exec", "env", "command"].includes(words[0]!)) words = words.slice(1);
  return { words, env, text };
}

/** Whitespace-separated words with single and double quotes removed. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === " " || ch === "\t") {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      const end = close < 0 ? text.length : close;
      current += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (ch === "\\" && i + 1 < text.length) {
      current += text[i + 1];
      i++;
      inWord = true;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

/** `--mount=type=cache,target=/go/pkg/mod` flags of a RUN, as key/value records. */
export function runMounts(instruction: DockerInstruction): Record<string, string>[] {
  return instruction.flags
    .filter((f) => f.name === "mount" && f.value !== null)
    .map((f) => {
      const record: Record<string, string> = {};
      for (const pair of f.value!.split(",")) {
        const eq = pair.indexOf("=");
        if (eq < 0) record[pair.trim()] = "";
        else record[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
      }
      return record;
    });
}

// ---------------------------------------------------------------------------------------------
// Paths, WORKDIR, ENV

/** POSIX path resolution without the file system: `resolvePath("/app", "../etc/x")` is `/etc/x`. */
export function resolvePath(base: string, path: string): string {
  const parts = (path.startsWith("/") ? path : `${base}/${path}`).split("/");
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/** Joins repository-relative path segments, dropping `.` and empty parts ("" is the repository root). */
export function joinRelative(...parts: string[]): string {
  const resolved = resolvePath("/", parts.filter((p) => p !== "").join("/"));
  return resolved.slice(1);
}

/** The WORKDIR in effect just before `before` (or at the end of the stage), following the stage's parents. */
export function workdirAt(dockerfile: DockerfileModel, stage: DockerStage, before?: DockerInstruction): string {
  const lineage = stageLineage(dockerfile, stage).reverse();
  let workdir = "/";
  for (const ancestor of lineage) {
    for (const instruction of ancestor.instructions) {
      if (instruction === before) return workdir;
      if (instruction.keyword === "WORKDIR" && instruction.args[0] !== undefined) {
        workdir = resolvePath(workdir, instruction.args[0]);
      }
    }
  }
  return workdir;
}

/**
 * The value an environment variable has for a RUN: set by ENV or an ARG default earlier in the stage or its
 * parents, by `export NAME=value` earlier in the same RUN, or on the command itself. Returns undefined
 * when nothing sets it.
 */
export function envFor(
  dockerfile: DockerfileModel,
  stage: DockerStage,
  instruction: DockerInstruction,
  name: string,
  command?: ShellCommand,
): string | undefined {
  if (command && name in command.env) return command.env[name];
  if (instruction.keyword === "RUN") {
    let value: string | undefined;
    for (const c of shellCommands(instruction)) {
      if (c === command || (command && c.text === command.text)) break;
      if (c.words[0] === "export") {
        for (const word of c.words.slice(1)) {
          const eq = word.indexOf("=");
          if (eq > 0 && word.slice(0, eq) === name) value = word.slice(eq + 1);
        }
      }
      if (c.words[0] === "go" && c.words[1] === "env" && c.words[2] === "-w") {
        for (const word of c.words.slice(3)) if (word.startsWith(`${name}=`)) value = word.slice(name.length + 1);
      }
    }
    if (value !== undefined) return value;
  }
  const lineage = stageLineage(dockerfile, stage).reverse();
  let value: string | undefined;
  for (const ancestor of lineage) {
    for (const other of ancestor.instructions) {
      if (other === instruction) return value;
      if (other.keyword === "ENV" || other.keyword === "ARG") {
        for (const { key, value: v } of assignments(other)) if (key === name && v !== undefined) value = v;
      }
      // `go env -w` in an earlier RUN persists in the Go env file.
      if (other.keyword === "RUN") {
        for (const c of shellCommands(other)) {
          if (c.words[0] === "go" && c.words[1] === "env" && c.words[2] === "-w") {
            for (const word of c.words.slice(3)) if (word.startsWith(`${name}=`)) value = word.slice(name.length + 1);
          }
        }
      }
    }
  }
  return value;
}

/** `ENV A=1 B="x y"`, legacy `ENV KEY value`, `ARG NAME=default`, `ARG NAME` (value undefined). */
export function assignments(instruction: DockerInstruction): { key: string; value?: string }[] {
  const args = instruction.args;
  if (instruction.keyword === "ENV" && args.length >= 2 && !args[0]!.includes("=")) {
    return [{ key: args[0]!, value: args.slice(1).join(" ") }];
  }
  return args.map((word) => {
    const eq = word.indexOf("=");
    return eq > 0 ? { key: word.slice(0, eq), value: word.slice(eq + 1) } : { key: word };
  });
}

// ---------------------------------------------------------------------------------------------
// COPY / ADD and where files come from

export interface CopyParts {
  /** The `--from` value: a stage name or index, or an image. */
  from?: string;
  sources: string[];
  /** The destination, resolved against the WORKDIR in effect. */
  dest: string;
  /** The destination as written ends with `/` or there are several sources: it is a folder. */
  destIsDir: boolean;
}

export function copyParts(dockerfile: DockerfileModel, stage: DockerStage, instruction: DockerInstruction): CopyParts | undefined {
  if (instruction.keyword !== "COPY" && instruction.keyword !== "ADD") return undefined;
  const args = instruction.args;
  if (args.length < 2) return undefined;
  const written = args[args.length - 1]!;
  const from = instruction.flags.find((f) => f.name === "from")?.value ?? undefined;
  const sources = args.slice(0, -1);
  return {
    ...(from !== undefined && { from }),
    sources,
    dest: resolvePath(workdirAt(dockerfile, stage, instruction), written),
    destIsDir: written.endsWith("/") || written === "." || sources.length > 1,
  };
}

/** The stage a `--from` value names (its name or index), when it is a stage and not an image. */
export function stageNamed(dockerfile: DockerfileModel, ref: string): DockerStage | undefined {
  const lower = ref.toLowerCase();
  const byName = dockerfile.stages.find((s) => s.name === lower);
  if (byName) return byName;
  return /^\d+$/.test(ref) ? dockerfile.stages[Number(ref)] : undefined;
}

/** Whether a COPY source copies the whole build context (`.`, `./`, `/`, `*`). */
export function isWholeContext(source: string): boolean {
  return /^(\.\/?|\/|\.\/\*|\*)$/.test(source);
}

export type FileOrigin =
  /** Copied from the build context: `path` is relative to the context root. */
  | { kind: "context"; path: string; instruction: DockerInstruction; stage: DockerStage }
  /** Copied from another stage, where nothing further copies it in: made there (RUN) or part of its base. */
  | { kind: "stage"; path: string; from: DockerStage; instruction: DockerInstruction; stage: DockerStage }
  /** Copied from an external image (`COPY --from=nginx:1.27 ...`). */
  | { kind: "image"; path: string; image: string; instruction: DockerInstruction; stage: DockerStage }
  /** No COPY or ADD in the stage and its parents brings it in: the base image has it or a RUN made it. */
  | { kind: "none" };

/**
 * Where the file at absolute `path` in `stage` comes from, following `COPY --from=<stage>` into the
 * stages it names (up to a small depth). Globs in sources are not followed.
 */
export function traceFile(dockerfile: DockerfileModel, stage: DockerStage, path: string, depth = 0): FileOrigin {
  const lineage = stageLineage(dockerfile, stage);
  for (const ancestor of lineage) {
    for (let i = ancestor.instructions.length - 1; i >= 0; i--) {
      const instruction = ancestor.instructions[i]!;
      const parts = copyParts(dockerfile, ancestor, instruction);
      if (!parts) continue;
      const inner = innerPath(parts, path);
      if (inner === undefined) continue;
      const fromStage = parts.from !== undefined ? stageNamed(dockerfile, parts.from) : undefined;
      if (parts.from !== undefined && !fromStage) {
        return { kind: "image", path: inner, image: parts.from, instruction, stage: ancestor };
      }
      if (fromStage) {
        // Sources of `COPY --from` are relative to the root of the source stage, not its WORKDIR.
        const absolute = resolvePath("/", inner);
        if (depth < 8) {
          const further = traceFile(dockerfile, fromStage, absolute, depth + 1);
          if (further.kind !== "none") return further;
        }
        return { kind: "stage", path: absolute, from: fromStage, instruction, stage: ancestor };
      }
      return { kind: "context", path: joinRelative(inner), instruction, stage: ancestor };
    }
  }
  return { kind: "none" };
}

/**
 * The source path (relative to the COPY's source root) that lands at `path`, or undefined when this COPY
 * does not produce it. A single source copied to `dest` is taken as a file when the names match, else as
 * a folder whose content lands in `dest`.
 */
function innerPath(parts: CopyParts, path: string): string | undefined {
  const { dest, sources } = parts;
  for (const source of sources) {
    if (/[*?[]/.test(source)) continue;
    const clean = source.replace(/\/+$/, "");
    const base = clean.split("/").at(-1) ?? clean;
    if (!parts.destIsDir && path === dest) return clean;
    const prefix = dest === "/" ? "/" : `${dest}/`;
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    // `COPY etc/app.yaml /app/etc/` lands at /app/etc/app.yaml; `COPY etc /app/etc` copies etc's content.
    if (rest === base && !isWholeContext(source)) return clean;
    if (sources.length === 1) return clean === "." || clean === "" ? rest : `${clean}/${rest}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The command the image starts

export interface StartCommand {
  entrypoint?: { instruction: DockerInstruction; stage: DockerStage };
  cmd?: { instruction: DockerInstruction; stage: DockerStage };
  /** The process's argv as far as the file tells (shell form split into words); undefined without either. */
  argv?: string[];
}

/**
 * ENTRYPOINT and CMD in effect for a stage. A CMD from a parent stage is dropped by a later ENTRYPOINT,
 * as Docker does.
 */
export function startCommand(dockerfile: DockerfileModel, stage: DockerStage): StartCommand {
  const entrypoint = effectiveInstruction(dockerfile, stage, "ENTRYPOINT");
  let cmd = effectiveInstruction(dockerfile, stage, "CMD");
  if (entrypoint && cmd) {
    const lineage = stageLineage(dockerfile, stage);
    // Setting ENTRYPOINT resets a CMD inherited from before it.
    const entryIndex = lineage.indexOf(entrypoint.stage);
    const cmdIndex = lineage.indexOf(cmd.stage);
    if (cmdIndex > entryIndex) cmd = undefined;
    else if (cmdIndex === entryIndex && cmd.stage.instructions.indexOf(cmd.instruction) < entrypoint.stage.instructions.indexOf(entrypoint.instruction)) cmd = undefined;
  }
  const words = (found?: { instruction: DockerInstruction }) =>
    found ? (found.instruction.exec ?? shellWords(found.instruction.text)) : [];
  const argv = entrypoint || cmd ? [...words(entrypoint), ...words(cmd)] : undefined;
  return { ...(entrypoint && { entrypoint }), ...(cmd && { cmd }), ...(argv && { argv }) };
}

// ---------------------------------------------------------------------------------------------
// Build context

/**
 * The build context of a Dockerfile, as far as the repository tells:
 * - the `build.context` of a Docker Compose service that builds it;
 * - the context of a `docker build` that CI runs for it (directly, or through make, scripts and shell scripts);
 * - else the Dockerfile's own folder, unless the context-relative sources its COPY/ADD instructions name are
 *   missing there but present relative to an ancestor folder (go-zero's `goctl docker` writes
 *   `app/user/cmd/rpc/Dockerfile` and builds it from the module root, copying `go.mod` and
 *   `app/user/cmd/rpc/etc`).
 * Returns the context folder ("" for the repository root) and whether there was evidence for it; without any
 * (only `COPY . .`), `dir` is the Dockerfile's folder, Docker's usual `docker build .`.
 */
export function buildContext(repo: Repository, dockerfile: DockerfileModel): { dir: string; known: boolean } {
  const composed = composeBuilds(repo).find((b) => b.dockerfile === dockerfile.path);
  if (composed) return { dir: composed.context, known: true };
  const built = ciDockerBuilds(repo).find((b) => b.dockerfile === dockerfile.path);
  if (built) return { dir: built.context, known: true };
  const own = folderOf(dockerfile.path);
  const sources = contextSources(dockerfile).filter((s) => !isWholeContext(s) && !/[*?[$]/.test(s));
  if (sources.length === 0) return { dir: own, known: false };
  const candidates: string[] = [];
  for (let dir: string | undefined = own; dir !== undefined; dir = dir === "" ? undefined : folderOf(dir)) candidates.push(dir);
  const score = (dir: string) => sources.filter((s) => pathExists(repo, joinRelative(dir, s))).length;
  const scores = candidates.map(score);
  const best = Math.max(...scores);
  if (best === 0) return { dir: own, known: false };
  const dir = candidates[scores.indexOf(best)]!;
  return { dir, known: true };
}

/** `docker build` (`buildx build`, `podman build`) options that take no value. */
const BUILD_SWITCHES = new Set(["--no-cache", "--pull", "--push", "--load", "-q", "--quiet", "--rm", "--force-rm", "--squash", "--compress", "--disable-content-trust"]);

const ciBuildsCache = new WeakMap<object, { dockerfile: string; context: string }[]>();

/**
 * The Dockerfiles CI builds, with their contexts, from `docker build [options] <context>` commands that CI runs
 * directly or through make targets, package.json scripts and shell scripts (wild-workouts' build-docker.sh runs
 * `docker build ./internal -f ./docker/app-prod/Dockerfile` from the repository root). `-f` is relative to the
 * folder the command runs in, the default Dockerfile is `<context>/Dockerfile`; contexts written with a variable,
 * stdin (`-`) or a URL are skipped.
 */
export function ciDockerBuilds(repo: Repository): { dockerfile: string; context: string }[] {
  const cached = ciBuildsCache.get(repo.ci);
  if (cached) return cached;
  const builds: { dockerfile: string; context: string }[] = [];
  for (const command of ciCommands(repo).commands) {
    if (!/\b(docker|podman)\b/.test(command.text) || !/\bbuild\b/.test(command.text)) continue;
    let dir: string | undefined = command.cwd;
    for (const segment of command.text.split(/&&|\|\||;|\|/)) {
      const words = shellWords(segment.trim());
      while (words.length > 0 && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!) || words[0] === "sudo")) words.shift();
      if (words[0] === "cd" || words[0] === "pushd") {
        dir = dir !== undefined && words[1] !== undefined && !words[1].includes("$") ? joinRelative(dir, words[1]) : undefined;
        continue;
      }
      if (dir === undefined || !/^(docker|podman)$/.test(words[0] ?? "")) continue;
      const start = words[1] === "build" ? 2 : (words[1] === "buildx" || words[1] === "image") && words[2] === "build" ? 3 : -1;
      if (start < 0) continue;
      let file: string | undefined;
      let context: string | undefined;
      for (let i = start; i < words.length; i++) {
        const word = words[i]!;
        if (/^[<>]|^\d>/.test(word)) break; // a redirection ends the arguments
        if (word === "-") context ??= word; // the context from stdin
        else if (word === "-f" || word === "--file") file = words[++i];
        else if (word.startsWith("--file=")) file = word.slice("--file=".length);
        else if (word.startsWith("-f") && word.length > 2 && !word.startsWith("--")) file = word.slice(2);
        else if (word.startsWith("-")) {
          if (!word.includes("=") && !BUILD_SWITCHES.has(word)) i++; // an option and its value
        } else context ??= word;
      }
      if (context === undefined || context === "-" || context.includes("$") || /:\/\/|^git@/.test(context) || file?.includes("$")) continue;
      const contextDir = joinRelative(dir, context);
      builds.push({ context: contextDir, dockerfile: file !== undefined ? joinRelative(dir, file) : joinRelative(contextDir, "Dockerfile") });
    }
  }
  ciBuildsCache.set(repo.ci, builds);
  return builds;
}

export interface ComposeBuild {
  document: ConfigDocument;
  /** The service's name under `services:`. */
  name: string;
  service: Record<string, unknown>;
  /** Repository-relative build context folder. */
  context: string;
  /** Repository-relative path of the Dockerfile it builds. */
  dockerfile: string;
}

/** Docker Compose files by name: `docker-compose*.yml`, `compose*.yaml`. */
export function isComposeFile(path: string): boolean {
  return /^(docker-)?compose([._-].*)?\.ya?ml$/i.test(path.split("/").at(-1)!);
}

const composeCache = new WeakMap<object, ComposeBuild[]>();

/** Every Compose service with a local `build:` (a string context, or `context` / `dockerfile`). */
export function composeBuilds(repo: Repository): ComposeBuild[] {
  const configs = repo.configs;
  const cached = composeCache.get(configs);
  if (cached) return cached;
  const builds: ComposeBuild[] = [];
  for (const document of configs) {
    if (document.format !== "yaml" || !isComposeFile(document.path)) continue;
    const body = document.body;
    const services = isObject(body) ? body.services : undefined;
    if (!isObject(services)) continue;
    for (const [name, service] of Object.entries(services)) {
      if (!isObject(service)) continue;
      const build = service.build;
      let context: string | undefined;
      let file = "Dockerfile";
      if (typeof build === "string") context = build;
      else if (isObject(build)) {
        context = typeof build.context === "string" ? build.context : ".";
        if (typeof build.dockerfile === "string") file = build.dockerfile;
      }
      if (context === undefined || /^[a-z]+:\/\//i.test(context) || context.includes("$") || file.includes("$")) continue;
      const dir = joinRelative(folderOf(document.path), context);
      builds.push({ document, name, service, context: dir, dockerfile: joinRelative(dir, file) });
    }
  }
  composeCache.set(configs, builds);
  return builds;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Context-relative sources of every COPY/ADD without --from (URLs excluded). */
export function contextSources(dockerfile: DockerfileModel): string[] {
  const out: string[] = [];
  for (const stage of dockerfile.stages) {
    for (const instruction of stage.instructions) {
      const parts = copyParts(dockerfile, stage, instruction);
      if (!parts || parts.from !== undefined) continue;
      for (const source of parts.sources) if (!/^[a-z]+:\/\//i.test(source)) out.push(source);
    }
  }
  return out;
}

/** A file or folder among the files discovery listed (only the kinds it classifies: manifests, configs, code). */
export function pathExists(repo: Repository, path: string): boolean {
  if (path === "") return true;
  return existingPaths(repo).has(path);
}

// Every file and folder of a repository, built once: build contexts are scored by many path lookups.
const pathSets = new WeakMap<object, Set<string>>();

function existingPaths(repo: Repository): Set<string> {
  let paths = pathSets.get(repo.files);
  if (!paths) {
    paths = new Set();
    for (const file of repo.files) {
      paths.add(file.path);
      for (let slash = file.path.lastIndexOf("/"); slash > 0; slash = file.path.lastIndexOf("/", slash - 1)) {
        const folder = file.path.slice(0, slash);
        if (paths.has(folder)) break; // its ancestors are in already
        paths.add(folder);
      }
    }
    pathSets.set(repo.files, paths);
  }
  return paths;
}

export function folderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

// ---------------------------------------------------------------------------------------------
// Runtime images

/** The C library a runtime image provides: none (scratch, distroless/static), musl (Alpine) or glibc. */
export type Libc = "none" | "musl" | "glibc" | "unknown";

export function runtimeLibc(from: DockerFrom): Libc {
  if (from.scratch) return "none";
  const image = from.image;
  if (!image) return "unknown";
  return imageLibc(image);
}

export function imageLibc(image: ImageRef): Libc {
  const repository = image.repository.toLowerCase();
  const tag = (image.tag ?? "").toLowerCase();
  if (repository.startsWith("distroless/")) {
    return /^distroless\/static/.test(repository) ? "none" : "glibc";
  }
  if (image.registry === "cgr.dev") {
    if (image.name === "static") return "none";
    if (image.name === "glibc-dynamic" || image.name === "wolfi-base") return "glibc";
    return "unknown";
  }
  if (image.name === "alpine" || /(^|-)alpine/.test(tag)) return "musl";
  if (["debian", "ubuntu", "fedora", "centos", "rockylinux", "almalinux", "amazonlinux"].includes(image.name)) return "glibc";
  if (/^(ubi\d*|ubi\d+-minimal|ubi\d+-micro)$/.test(image.name)) return "glibc";
  if (image.name === "golang" || image.name === "node") return /alpine/.test(tag) ? "musl" : "glibc";
  return "unknown";
}

/** A label for a runtime image in messages: `scratch`, or the image reference. */
export function imageLabel(from: DockerFrom): string {
  if (from.scratch) return "scratch";
  return from.image?.text ?? from.instruction.args[0] ?? "the base image";
}
