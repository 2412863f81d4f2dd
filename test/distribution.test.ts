import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { registeredRules, scan } from "../src/api.js";
import { run } from "../src/cli/run.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

async function helpText(): Promise<string> {
  let out = "";
  await run(["--help"], { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, env: {} });
  return out;
}

describe("GitHub Action (action.yml)", () => {
  const action = parse(read("action.yml")) as {
    inputs: Record<string, { default?: string }>;
    runs: { using: string; steps: { run?: string; uses?: string; if?: string; with?: Record<string, string> }[] };
  };

  it("is a composite action that uploads SARIF even when the gate fails, and gates last", () => {
    expect(action.runs.using).toBe("composite");
    const steps = action.runs.steps;
    const upload = steps.findIndex((s) => s.uses?.startsWith("github/codeql-action/upload-sarif@"));
    expect(upload).toBeGreaterThan(0);
    expect(steps[upload]!.if).toMatch(/^always\(\)/);
    expect(steps.at(-1)!.if).toBe("always()");
    expect(steps.at(-1)!.run).toMatch(/exit 1/);
    expect(action.inputs["fail-on"]!.default).toBe("error");
  });

  it("uses only options the CLI has, and never interpolates inputs into a script", async () => {
    const help = await helpText();
    const scripts = action.runs.steps.map((s) => s.run ?? "").join("\n");
    const flags = [...scripts.matchAll(/(?<![\w-])--[a-z][a-z-]+/g)].map((m) => m[0]).filter((f) => !["--no-audit", "--no-fund"].includes(f));
    expect(flags.length).toBeGreaterThan(3);
    for (const flag of new Set(flags)) expect(help, `${flag} is not a CLI option`).toContain(flag);
    expect(scripts).not.toMatch(/\$\{\{\s*inputs\./);
  });
});

describe("pre-commit hook", () => {
  it("runs the package's own command over the whole repository", () => {
    const [hook] = parse(read(".pre-commit-hooks.yaml")) as { id: string; entry: string; language: string; pass_filenames: boolean }[];
    const pkg = JSON.parse(read("package.json")) as { bin: Record<string, string>; scripts: Record<string, string> };
    expect(hook).toMatchObject({ id: "readiness-check", language: "node", pass_filenames: false });
    expect(Object.keys(pkg.bin)).toContain(hook!.entry);
    // pre-commit installs a node hook with `npm pack`: the build must run then, since dist/ is not committed.
    expect(pkg.scripts.prepack).toMatch(/npm run build/);
  });
});

describe("the tool's own Dockerfile", () => {
  it("passes the tool's Dockerfile rules", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "rc-self-"));
    for (const file of ["Dockerfile", ".dockerignore", "package.json", "package-lock.json", "tsconfig.json"]) copyFileSync(path.join(root, file), path.join(dir, file));
    const dockerRules = registeredRules().map((r) => r.meta.id).filter((id) => id.startsWith("docker/"));
    expect(dockerRules.length).toBeGreaterThan(2);
    const result = await scan({ path: dir, repoRoot: dir, only: dockerRules });
    expect(result.findings.map((f) => `${f.path}:${f.range.start.line} ${f.ruleId} ${f.severity}: ${f.message}`)).toEqual([]);
  });
});
