/**
 * Dependency steps in Dockerfiles: which RUN commands download or install a project's dependencies
 * (`go mod download`, `go build`, `npm ci`, `yarn install`, ...) and with which lockfile discipline.
 */
import type { DockerInstruction } from "../model/artifacts.js";
import { shellCommands, type ShellCommand } from "./docker-build.js";

export type PackageManager = "go" | "npm" | "yarn" | "pnpm" | "bun";

export interface DependencyStep {
  manager: PackageManager;
  /**
   * - `download`: fetches dependencies only (`go mod download`, `pnpm fetch`): the cache-friendly step;
   * - `install`: installs the project's dependencies from its manifest (`npm ci`, `yarn install`);
   * - `build`: compiles, fetching missing modules on the way (`go build`, `go test`).
   */
  kind: "download" | "install" | "build";
  /** Installs from the lockfile and fails when it does not match (`npm ci`, `--frozen-lockfile`, `--immutable`). */
  frozen: boolean;
  /** Installs production dependencies only (`--omit=dev`, `--production`, `--prod`). */
  productionOnly: boolean;
  command: ShellCommand;
  instruction: DockerInstruction;
}

/** Dependency steps of a RUN instruction, in order. Ad-hoc (`npm install left-pad`) and global installs are not steps. */
export function dependencySteps(instruction: DockerInstruction): DependencyStep[] {
  if (instruction.keyword !== "RUN") return [];
  const steps: DependencyStep[] = [];
  for (const command of shellCommands(instruction)) {
    const step = classify(command);
    if (step) steps.push({ ...step, command, instruction });
  }
  return steps;
}

type Classified = Omit<DependencyStep, "command" | "instruction">;

function classify(command: ShellCommand): Classified | undefined {
  const [program, sub, ...rest] = command.words;
  if (program === undefined) return undefined;
  const name = program.split("/").at(-1)!;
  const flags = command.words.filter((w) => w.startsWith("-"));
  const positional = (from: string[]) => from.filter((w) => !w.startsWith("-"));
  const production = flags.some((f) => /^--(omit=dev|production(=true)?|prod|only=prod(uction)?)$/.test(f));
  const base = { frozen: false, productionOnly: production };

  if (name === "go") {
    if (sub === "mod" && rest[0] === "download") return { ...base, manager: "go", kind: "download" };
    if (sub === "build" || sub === "test" || sub === "vet" || sub === "generate") return { ...base, manager: "go", kind: "build" };
    // `go install ./cmd/x` builds the project; `go install tool@v1.2` installs a tool.
    if (sub === "install" && !rest.some((w) => w.includes("@"))) return { ...base, manager: "go", kind: "build" };
    return undefined;
  }
  if (name === "npm") {
    if (sub === "ci" || sub === "clean-install") return { ...base, manager: "npm", kind: "install", frozen: true };
    if (sub === "install" || sub === "i" || sub === "isntall" || sub === "add") {
      if (flags.some((f) => f === "-g" || f === "--global")) return undefined;
      if (positional(rest).length > 0) return undefined; // ad hoc: `npm install @swc/cli`
      return { ...base, manager: "npm", kind: "install" };
    }
    return undefined;
  }
  if (name === "yarn") {
    // `yarn` alone installs.
    if (sub === undefined || (sub.startsWith("-") && !["--version", "-v"].includes(sub)) || sub === "install") {
      const frozen = flags.some((f) => f === "--frozen-lockfile" || f === "--immutable");
      return { ...base, manager: "yarn", kind: "install", frozen };
    }
    return undefined;
  }
  if (name === "pnpm") {
    if (sub === "fetch") return { ...base, manager: "pnpm", kind: "download", frozen: true };
    if (sub === "install" || sub === "i") {
      if (flags.some((f) => f === "-g" || f === "--global")) return undefined;
      if (positional(rest).length > 0) return undefined;
      // `--offline` installs from what `pnpm fetch` put in the store from the lockfile (pnpm's Docker recipe).
      const frozen = flags.some((f) => f === "--frozen-lockfile" || f === "--offline");
      return { ...base, manager: "pnpm", kind: "install", frozen };
    }
    return undefined;
  }
  if (name === "bun") {
    if (sub === "install" || sub === "i") {
      if (flags.some((f) => f === "-g" || f === "--global")) return undefined;
      if (positional(rest).length > 0) return undefined;
      return { ...base, manager: "bun", kind: "install", frozen: flags.includes("--frozen-lockfile") };
    }
    return undefined;
  }
  return undefined;
}

export function ecosystem(manager: PackageManager): "go" | "node" {
  return manager === "go" ? "go" : "node";
}
