/**
 * Which repository files end up in an image, and where: COPY/ADD followed through WORKDIR and through
 * `COPY --from=<stage>` back to the build context. Used by cross-file rules (the config file a CMD names,
 * a development config baked into a production image).
 *
 * The build context is assumed to be the Dockerfile's own folder (what `docker build <dir>` with the
 * default `-f` uses); when a COPY source does not exist there but does at the scan root, the scan root is
 * used instead (`docker build -f deploy/Dockerfile .`). Files produced by RUN are not tracked.
 */
import type { DockerfileModel, DockerInstruction, DockerStage } from "../model/artifacts.js";
import type { Repository } from "../model/repository.js";
import { commandText, effectiveInstruction, finalStage, stageLineage } from "./docker.js";
import { posix } from "./posix-path.js";

/** One COPY'd source as it lands in the image. */
export interface ImageEntry {
  /** Absolute path in the image, without a trailing slash. */
  imagePath: string;
  /** Repository-relative path of the copied source ("" is the repository root). */
  sourcePath: string;
  /** A folder's contents are copied below `imagePath`; a file lands at `imagePath`. */
  kind: "dir" | "file";
  /** The COPY/ADD in the stage that put it there (for `--from` chains, the final stage's). */
  instruction: DockerInstruction;
}

/** A repository file found in an image. */
export interface ImageFile {
  path: string;
  imagePath: string;
  instruction: DockerInstruction;
}

function stageByRef(dockerfile: DockerfileModel, ref: string): DockerStage | undefined {
  const lower = ref.toLowerCase();
  const named = dockerfile.stages.find((s) => s.name === lower);
  if (named) return named;
  return /^\d+$/.test(ref) ? dockerfile.stages[Number(ref)] : undefined;
}

function flagValue(instruction: DockerInstruction, name: string): string | undefined {
  return instruction.flags.find((f) => f.name === name)?.value ?? undefined;
}

/** `a/./b/` -> `a/b`; "" for the root. */
function clean(path: string): string {
  const normalized = posix.normalize(path).replace(/\/+$/, "");
  return normalized === "." ? "" : normalized.replace(/^\.\//, "");
}

function absolute(workdir: string, path: string): string {
  const joined = path.startsWith("/") ? path : posix.join(workdir, path);
  const normalized = posix.normalize(joined).replace(/\/+$/, "");
  return normalized === "" ? "/" : normalized;
}

function under(path: string, folder: string): string | undefined {
  if (folder === "" ) return path;
  if (path === folder) return "";
  return path.startsWith(`${folder}/`) ? path.slice(folder.length + 1) : undefined;
}

function underImage(path: string, folder: string): string | undefined {
  if (folder === "/") return path.replace(/^\//, "");
  return under(path, folder);
}

const memo = new WeakMap<DockerStage, ImageEntry[]>();

/**
 * Every repository source copied into `stage` (following `FROM <stage>` parents and `COPY --from` stages),
 * with where it lands. `files` is the repository's file list, used to tell files from folders and to pick
 * the build context.
 */
export function imageEntries(repo: Pick<Repository, "files" | "scanPrefix">, dockerfile: DockerfileModel, stage: DockerStage, depth = 0): ImageEntry[] {
  const cached = memo.get(stage);
  if (cached) return cached;
  if (depth > 16) return [];
  const files = new Set(repo.files.map((f) => f.path));
  const dockerDir = clean(posix.dirname(dockerfile.path));
  const entries: ImageEntry[] = [];
  // Parents first, so later COPYs come later.
  for (const ancestor of stageLineage(dockerfile, stage).reverse()) {
    let workdir = "/";
    for (const before of stageLineage(dockerfile, ancestor).slice(1).reverse()) workdir = workdirAfter(before.instructions, workdir);
    for (const instruction of ancestor.instructions) {
      if (instruction.keyword === "WORKDIR" && instruction.args[0]) workdir = absolute(workdir, instruction.args[0]);
      if (instruction.keyword !== "COPY" && instruction.keyword !== "ADD") continue;
      const words = instruction.exec ?? instruction.args;
      if (words.length < 2) continue;
      const sources = words.slice(0, -1);
      const destWritten = words[words.length - 1]!;
      const dest = absolute(workdir, destWritten);
      const destIsDir = destWritten.endsWith("/") || destWritten === "." || sources.length > 1;
      const from = flagValue(instruction, "from");
      if (from !== undefined) {
        const source = stageByRef(dockerfile, from);
        if (!source || source === ancestor) continue;
        const inner = imageEntries(repo, dockerfile, source, depth + 1);
        for (const written of sources) {
          const src = absolute("/", written);
          for (const entry of inner) {
            // The copied path is inside what the entry brought in: narrow the source.
            const inside = entry.kind === "dir" ? underImage(src, entry.imagePath) : src === entry.imagePath ? "" : undefined;
            if (inside !== undefined) {
              const sourcePath = clean(inside === "" ? entry.sourcePath : posix.join(entry.sourcePath, inside));
              const isFile = entry.kind === "file" || files.has(sourcePath);
              const imagePath = isFile && destIsDir ? posix.join(dest, posix.basename(sourcePath)) : dest;
              entries.push({ imagePath, sourcePath, kind: isFile ? "file" : "dir", instruction });
              continue;
            }
            // The entry is inside the copied folder: it moves along with it.
            const rest = underImage(entry.imagePath, src);
            if (rest !== undefined && rest !== "") {
              entries.push({ imagePath: posix.join(dest, rest), sourcePath: entry.sourcePath, kind: entry.kind, instruction });
            }
          }
        }
        continue;
      }
      for (const written of sources) {
        if (/^[a-z]+:\/\//i.test(written) || /[*?[]/.test(written)) continue; // URLs and globs: not followed
        const inContext = clean(posix.join(dockerDir, written));
        const atRoot = clean(posix.join(repo.scanPrefix, written));
        const sourcePath = existsAsFileOrDir(files, inContext) || !existsAsFileOrDir(files, atRoot) ? inContext : atRoot;
        if (sourcePath.startsWith("..")) continue;
        const isFile = files.has(sourcePath);
        const imagePath = isFile && destIsDir ? posix.join(dest, posix.basename(sourcePath)) : dest;
        entries.push({ imagePath, sourcePath, kind: isFile ? "file" : "dir", instruction });
      }
    }
  }
  memo.set(stage, entries);
  return entries;
}

function workdirAfter(instructions: readonly DockerInstruction[], start: string): string {
  let workdir = start;
  for (const i of instructions) if (i.keyword === "WORKDIR" && i.args[0]) workdir = absolute(workdir, i.args[0]);
  return workdir;
}

function existsAsFileOrDir(files: Set<string>, path: string): boolean {
  if (files.has(path)) return true;
  const prefix = path === "" ? "" : `${path}/`;
  for (const f of files) if (f.startsWith(prefix)) return true;
  return false;
}

/** Where a repository file lands in the image built by `stage`, or undefined when it is not copied in. */
export function imagePathOf(entries: readonly ImageEntry[], path: string): { imagePath: string; instruction: DockerInstruction } | undefined {
  let found: { imagePath: string; instruction: DockerInstruction } | undefined;
  for (const entry of entries) {
    if (entry.kind === "file") {
      if (entry.sourcePath === path) found = { imagePath: entry.imagePath, instruction: entry.instruction };
      continue;
    }
    const rest = under(path, entry.sourcePath);
    if (rest !== undefined && rest !== "") found = { imagePath: posix.join(entry.imagePath, rest), instruction: entry.instruction };
  }
  return found;
}

/** The working directory of a stage at its end (following its parents). */
export function finalWorkdir(dockerfile: DockerfileModel, stage: DockerStage): string {
  let workdir = "/";
  for (const ancestor of stageLineage(dockerfile, stage).reverse()) workdir = workdirAfter(ancestor.instructions, workdir);
  return workdir;
}

const CONFIG_FLAGS = new Set(["-f", "--f", "-c", "--c", "-config", "--config", "-conf", "--conf", "-config-file", "--config-file", "-configFile", "--configFile"]);

/**
 * The config file the final stage's CMD/ENTRYPOINT passes to the program (`-f etc/app.yaml`,
 * `--config=/etc/app.yaml`), as an absolute image path, with the instruction that names it.
 */
export function commandConfigPath(dockerfile: DockerfileModel): { imagePath: string; instruction: DockerInstruction } | undefined {
  const stage = finalStage(dockerfile);
  if (!stage) return undefined;
  const workdir = finalWorkdir(dockerfile, stage);
  for (const keyword of ["CMD", "ENTRYPOINT"]) {
    const found = effectiveInstruction(dockerfile, stage, keyword);
    if (!found) continue;
    const words = found.instruction.exec ?? commandText(found.instruction).split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      const eq = word.indexOf("=");
      const flag = eq > 0 ? word.slice(0, eq) : word;
      if (!CONFIG_FLAGS.has(flag)) continue;
      const value = eq > 0 ? word.slice(eq + 1) : words[i + 1];
      if (!value || value.includes("$") || !/\.(ya?ml|json|toml)$/i.test(value)) continue;
      return { imagePath: absolute(workdir, value), instruction: found.instruction };
    }
  }
  return undefined;
}

/** Repository files among `paths` that the final stage of `dockerfile` contains. */
export function filesInFinalImage(repo: Pick<Repository, "files" | "scanPrefix">, dockerfile: DockerfileModel, paths: readonly string[]): ImageFile[] {
  const stage = finalStage(dockerfile);
  if (!stage) return [];
  const entries = imageEntries(repo, dockerfile, stage);
  const found: ImageFile[] = [];
  for (const path of paths) {
    const at = imagePathOf(entries, path);
    if (at) found.push({ path, ...at });
  }
  return found;
}
