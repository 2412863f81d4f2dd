/**
 * Go package relations for rules that aggregate per package (a directory): whether an import path names
 * the package in a directory, through the repository's go.mod files.
 */
import type { GoModule } from "../model/artifacts.js";

/**
 * Whether an import path names the package in `dir`: through a go.mod whose folder contains `dir`,
 * or, without one, when the path ends with the directory (`example.com/app/internal/db` for `internal/db`).
 */
export function importRefersTo(importPath: string, dir: string, modules: readonly GoModule[]): boolean {
  for (const mod of modules) {
    if (!mod.module) continue;
    const modDir = mod.path.includes("/") ? mod.path.slice(0, mod.path.lastIndexOf("/")) : "";
    if (modDir !== "" && dir !== modDir && !dir.startsWith(`${modDir}/`)) continue;
    const relative = modDir === "" ? dir : dir.slice(modDir.length + 1);
    if (importPath === (relative ? `${mod.module}/${relative}` : mod.module)) return true;
  }
  return dir !== "" && (importPath === dir || importPath.endsWith(`/${dir}`));
}

/** Whether a callee is `method` itself or `<anything>.method`. */
export function callsMethod(callee: string, method: string): boolean {
  return callee.endsWith(method) && (callee.length === method.length || callee[callee.length - method.length - 1] === ".");
}

/** The names a file's calls call (each callee's last segment), once each, in order of first call. */
export function calledNames(calls: readonly { callee: string }[]): string[] {
  return [...new Set(calls.map((call) => call.callee.slice(call.callee.lastIndexOf(".") + 1)))];
}

/**
 * Which functions Go code calls, by name (the callee's last segment), split by whether the caller is a test
 * file: enough to tell a helper that only tests call (`NewMySQLConnection` used by an integration test of a
 * service that runs on another store) from one that ships. By name only, so a call of any same-named function
 * counts as production use: the index errs towards "used".
 */
export class GoCallIndex {
  private readonly production = new Set<string>();
  private readonly tests = new Set<string>();

  /** One file's called names (see `calledNames`: plain data, so a worker thread can collect them). */
  add(file: { isTest: boolean; calledNames: readonly string[] }): void {
    const into = file.isTest ? this.tests : this.production;
    for (const name of file.calledNames) into.add(name);
  }

  /** Called from test files and from nowhere else in the repository's Go code. */
  onlyTestsCall(functionName: string | undefined): boolean {
    return functionName !== undefined && this.tests.has(functionName) && !this.production.has(functionName);
  }
}
