/**
 * What CI really runs: every command of the CI pipelines, plus the commands they reach through `make <target>`
 * (recipes of the Makefile, prerequisites first) and package.json scripts (`npm test`, `npm run lint`,
 * `yarn build`, `pnpm test`), followed recursively. Rules that look for a command ("CI runs the tests")
 * search these instead of the pipeline's own lines.
 */
import type { CiCommand, CiPipeline, Makefile, MakeTarget, PackageJson } from "../model/artifacts.js";
import type { Range } from "../model/location.js";
import type { Repository } from "../model/repository.js";

export interface ReachedCommand {
  /** The command as run: Makefile variables expanded where the Makefile defines them. */
  text: string;
  /** Where it is written: the CI file, a Makefile or a package.json. */
  path: string;
  range: Range;
  pipeline: CiPipeline;
  /** The CI command it was reached from (the command itself for a CI line). */
  origin: CiCommand;
  /** How it was reached: [] for a CI line, else e.g. ["make ci", "make test"] or ["npm test"]. */
  via: string[];
  /** The repository-relative folder it starts in ("" for the root); a `cd` inside the line itself is not applied. */
  cwd: string;
}

export interface CiCommandsView {
  commands: ReachedCommand[];
  /**
   * Why some commands may be missing from `commands`: GitLab includes, reusable workflows and composite actions
   * from elsewhere, task runners, and make targets, package scripts or shell scripts that could not be found.
   */
  blindSpots: string[];
}

const MAX_DEPTH = 8;
const cache = new WeakMap<object, CiCommandsView>();

export function ciCommands(repo: Repository): CiCommandsView {
  const key = repo.ci;
  let view = cache.get(key);
  if (!view) {
    view = build(repo);
    cache.set(key, view);
  }
  return view;
}

function build(repo: Repository): CiCommandsView {
  const view: CiCommandsView = { commands: [], blindSpots: [] };
  const blind = new Set<string>();
  for (const pipeline of repo.ci) {
    const include = pipeline.includes?.[0];
    if (include) blind.add(`${pipeline.path} includes ${include.ref}, which is not read`);
    for (const u of pipeline.uses) {
      if (/\.github\/workflows\//.test(u.action) && !u.action.startsWith("./")) blind.add(`${pipeline.path} calls the reusable workflow ${u.action}, which is not read`);
      else if (u.action.startsWith("./") && !/\.github\/workflows\//.test(u.action)) blind.add(`${pipeline.path} uses the local action ${u.action}, whose steps are not read`);
    }
    for (const command of pipeline.commands) {
      const walker = new Walker(repo, pipeline, command, view.commands, blind);
      view.commands.push({ text: command.text, path: pipeline.path, range: command.range, pipeline, origin: command, via: [], cwd: pipelineFolder(pipeline) });
      walker.follow(command.text, pipelineFolder(pipeline), [], 0, new Set());
    }
  }
  view.blindSpots = [...blind];
  return view;
}

const NPM_LIFECYCLE = new Set(["test", "t", "tst", "start", "stop", "restart"]);
const NPM_RUN = new Set(["run", "run-script", "rum", "urn"]);
/** Yarn and pnpm subcommands that are not script names. */
const PM_BUILTINS = new Set([
  "install", "i", "add", "remove", "rm", "up", "upgrade", "update", "why", "info", "init", "create", "dlx", "exec", "x", "link", "unlink",
  "pack", "publish", "config", "cache", "set", "version", "versions", "workspaces", "workspace", "audit", "npm", "plugin", "import",
  "outdated", "list", "ls", "bin", "global", "store", "fetch", "prune", "rebuild", "dedupe", "patch", "licenses", "env", "setup", "self-update", "node", "constraints", "explain",
]);

class Walker {
  constructor(
    private readonly repo: Repository,
    private readonly pipeline: CiPipeline,
    private readonly origin: CiCommand,
    private readonly out: ReachedCommand[],
    private readonly blind: Set<string>,
  ) {}

  /** Follows the make and script invocations of one shell line run in folder `cwd` ("" is the root). */
  follow(text: string, cwd: string, via: string[], depth: number, seen: Set<string>) {
    if (depth >= MAX_DEPTH) return;
    let dir = cwd;
    for (const segment of text.split(/&&|\|\||;|\|/)) {
      const all = words(segment);
      let start = 0;
      while (start < all.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(all[start]!) || ["sudo", "time", "command", "exec", "env"].includes(all[start]!))) start++;
      const [tool, ...args] = all.slice(start);
      if (!tool) continue;
      if (tool === "cd" || tool === "pushd") {
        if (args[0] && !args[0].startsWith("$") && args[0] !== "-") dir = join(dir, args[0]);
        continue;
      }
      if (tool === "popd") {
        dir = cwd;
        continue;
      }
      if (tool === "make" || tool === "gmake" || /^\$[({]?MAKE[)}]?$/.test(tool)) this.make(args, dir, via, depth, seen, segment.trim());
      else if (["npm", "yarn", "pnpm", "bun"].includes(tool)) this.script(tool, args, dir, via, depth, seen);
      else if (/^\.{0,2}\/?[\w./-]+\.(sh|bash)$/.test(tool) || ((tool === "bash" || tool === "sh") && args[0] && /\.(sh|bash)$/.test(args[0]))) {
        this.shellScript(/\.(sh|bash)$/.test(tool) ? tool : args[0]!, dir, segment.trim(), via, depth, seen);
      } else if (["task", "just", "mage", "earthly"].includes(tool)) {
        this.blind.add(`CI hands off to \`${segment.trim()}\`, whose commands are not read`);
      }
    }
  }

  /** A script run from `cwd`: its command lines run there too (a script's own `cd` is followed line by line). */
  private shellScript(scriptPath: string, cwd: string, shown: string, via: string[], depth: number, seen: Set<string>) {
    const path = join(cwd, scriptPath);
    const script = this.repo.shellScripts.find((s) => s.path === path);
    if (!script) {
      this.blind.add(`CI runs the script \`${shown}\`, which was not found in the repository`);
      return;
    }
    if (seen.has(script.path) || depth + 1 >= MAX_DEPTH) return;
    seen.add(script.path);
    const chain = [...via, shown];
    let dir = cwd;
    for (const command of script.commands) {
      this.out.push({ text: command.text, path: script.path, range: command.range, pipeline: this.pipeline, origin: this.origin, via: chain, cwd: dir });
      this.follow(command.text, dir, chain, depth + 1, seen);
      // `cd internal/api` on a line of its own moves the rest of the script (a variable in the path leaves it unknown).
      const cd = /^(?:cd|pushd)\s+(\S+)\s*$/.exec(command.text);
      if (cd && !cd[1]!.includes("$")) dir = join(dir, cd[1]!.replace(/^["']|["']$/g, ""));
    }
  }

  private make(args: string[], cwd: string, via: string[], depth: number, seen: Set<string>, shown: string) {
    let dir = cwd;
    let file: string | undefined;
    const targets: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === "-C" || arg === "--directory") dir = join(dir, args[++i] ?? "");
      else if (arg.startsWith("-C") && arg.length > 2) dir = join(dir, arg.slice(2));
      else if (arg.startsWith("--directory=")) dir = join(dir, arg.slice("--directory=".length));
      else if (arg === "-f" || arg === "--file" || arg === "--makefile") file = args[++i];
      else if (arg.startsWith("--file=") || arg.startsWith("--makefile=")) file = arg.slice(arg.indexOf("=") + 1);
      else if ((arg === "-j" || arg === "-l") && /^\d+$/.test(args[i + 1] ?? "")) i++;
      else if (arg.startsWith("-") || arg.includes("=")) continue;
      else targets.push(arg);
    }
    const makefile = this.findMakefile(dir, file);
    if (!makefile) {
      this.blind.add(`CI runs \`${shown}\`, but no Makefile was found for it`);
      return;
    }
    const goal = makefile.variables[".DEFAULT_GOAL"] ?? makefile.targets.find((t) => !t.name.startsWith("."))?.name;
    for (const name of targets.length > 0 ? targets : goal ? [goal] : []) {
      const target = makefile.targets.find((t) => t.name === name);
      if (!target) {
        this.blind.add(`CI runs \`make ${name}\`, but ${makefile.path} has no such target`);
        continue;
      }
      this.runTarget(makefile, target, [...via, `make ${name}`], depth + 1, seen);
    }
  }

  private runTarget(makefile: Makefile, target: MakeTarget, via: string[], depth: number, seen: Set<string>) {
    const key = `${makefile.path}#${target.name}`;
    if (seen.has(key) || depth >= MAX_DEPTH) return;
    seen.add(key);
    const dir = dirOf(makefile.path);
    for (const prerequisite of target.prerequisites) {
      const other = makefile.targets.find((t) => t.name === prerequisite);
      if (other) this.runTarget(makefile, other, [...via, `make ${other.name}`], depth + 1, seen);
    }
    for (const line of target.recipe) {
      const text = expand(line.text, makefile.variables);
      this.out.push({ text, path: makefile.path, range: line.range, pipeline: this.pipeline, origin: this.origin, via, cwd: dir });
      this.follow(text, dir, via, depth + 1, seen);
    }
  }

  private script(tool: string, args: string[], cwd: string, via: string[], depth: number, seen: Set<string>) {
    let dir = cwd;
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === "--prefix" || arg === "--cwd" || arg === "--dir" || (tool === "pnpm" && arg === "-C")) dir = join(dir, args[++i] ?? "");
      else if (/^--(prefix|cwd|dir)=/.test(arg)) dir = join(dir, arg.slice(arg.indexOf("=") + 1));
      else rest.push(arg);
    }
    const positional = rest.filter((a) => !a.startsWith("-"));
    const [sub, next] = positional;
    if (!sub) return;
    let name: string | undefined;
    if (tool === "npm") name = NPM_LIFECYCLE.has(sub) ? ({ t: "test", tst: "test" } as Record<string, string>)[sub] ?? sub : NPM_RUN.has(sub) ? next : undefined;
    else if (sub === "run" || sub === "run-script") name = next;
    else if (tool !== "bun" && !PM_BUILTINS.has(sub)) name = sub;
    else if (tool === "bun" && sub === "test") return; // bun's own test runner, not a script
    if (!name) return;
    const pkg = this.findPackage(dir, name);
    if (!pkg) return;
    const names = tool === "npm" ? [`pre${name}`, name, `post${name}`] : [name];
    for (const scriptName of names) {
      const body = pkg.scripts[scriptName];
      if (typeof body !== "string") continue;
      const key = `${pkg.path}#${scriptName}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const chain = [...via, `${tool} ${tool === "npm" && scriptName === "test" ? "test" : `run ${scriptName}`}`];
      this.out.push({ text: body, path: pkg.path, range: pkg.locate(["scripts", scriptName]), pipeline: this.pipeline, origin: this.origin, via: chain, cwd: dirOf(pkg.path) });
      this.follow(body, dirOf(pkg.path), chain, depth + 1, seen);
    }
  }

  private findMakefile(dir: string, file: string | undefined): Makefile | undefined {
    const makefiles = this.repo.makefiles;
    if (file) return makefiles.find((m) => m.path === join(dir, file));
    for (const name of ["GNUmakefile", "makefile", "Makefile"]) {
      const found = makefiles.find((m) => m.path === join(dir, name));
      if (found) return found;
    }
    return undefined;
  }

  /** The package.json in `dir`, else the only one that defines the script (CI may `cd` in a way not seen). */
  private findPackage(dir: string, script: string): PackageJson | undefined {
    const packages = this.repo.manifests.packageJsons;
    const here = packages.find((p) => p.path === join(dir, "package.json"));
    if (here) return here;
    const defining = packages.filter((p) => typeof p.scripts[script] === "string");
    return defining.length === 1 ? defining[0] : undefined;
  }
}

/** Expands `$(VAR)` / `${VAR}` from the Makefile's variables (a few passes), `$(MAKE)` to make, `$$` to `$`. */
function expand(text: string, variables: Record<string, string>): string {
  let current = text;
  for (let pass = 0; pass < 5; pass++) {
    const next = current.replace(/\$[({]([A-Za-z0-9_.-]+)[)}]/g, (whole, name: string) => (name === "MAKE" ? "make" : variables[name] ?? whole));
    if (next === current) break;
    current = next;
  }
  return current.replace(/\$\$/g, "$");
}

function words(segment: string): string[] {
  return segment.trim().split(/\s+/).filter(Boolean).map((w) => w.replace(/^["'(]+|["')]+$/g, ""));
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/**
 * The folder a pipeline's commands run in: the repository root for GitHub Actions (the folder holding
 * `.github/`) and GitLab, the folder of the configuration for Cloud Build (`gcloud builds submit` uploads it).
 */
function pipelineFolder(pipeline: CiPipeline): string {
  if (pipeline.provider === "github-actions") return pipeline.path.replace(/\/?\.github\/workflows\/[^/]+$/, "");
  return dirOf(pipeline.path);
}

/** Joins repository-relative folders, resolving `.` and `..` (never above the root). */
function join(dir: string, relative: string): string {
  const parts = relative.startsWith("/") ? [] : dir.split("/").filter(Boolean);
  for (const part of relative.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}

// ---------------------------------------------------------------------------------------------
// What the repository builds, for repository-level CI rules

const OTHER_CI =
  /(^|\/)(\.circleci\/config\.ya?ml|azure-pipelines\.ya?ml|bitbucket-pipelines\.ya?ml|\.drone\.ya?ml|\.travis\.ya?ml|\.buildkite\/pipeline\.ya?ml|cloudbuild\.json|\.woodpecker\.ya?ml|Jenkinsfile|\.tekton\/[^/]+\.ya?ml)$/;

/** A CI configuration of a system this tool does not read (CircleCI, Cloud Build, Jenkins, ...), if any. */
export function otherCiFile(repo: Repository): string | undefined {
  return repo.files.find((f) => OTHER_CI.test(f.path))?.path;
}

/** Test inputs and samples, not projects: the go tool ignores `testdata/`, and fixtures are sample repositories. */
export function isSampleProject(path: string): boolean {
  return /(^|\/)(testdata|fixtures|__fixtures__|examples?|samples?)\//.test(path);
}

