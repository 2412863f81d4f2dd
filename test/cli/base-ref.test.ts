import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { historyRepo } from "../helpers/git-history.js";

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/proto/breaking-change/fire/wire-and-json-changes");

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env: {} });
  return { code, stdout, stderr };
}

describe("--base-ref", () => {
  it("compares protos with the named revision", async () => {
    const history = historyRepo(FIXTURE);
    try {
      const atRelease = await cli([history.dir, "--base-ref", "v1.0.0", "--rule", "proto/breaking-change", "--format", "json"]);
      expect(atRelease.code).toBe(1);
      expect(JSON.parse(atRelease.stdout).findings).toHaveLength(11);
      // Against HEAD (v2 itself) nothing changed.
      const atHead = await cli([history.dir, "--base-ref", "HEAD", "--rule", "proto/breaking-change", "--format", "json"]);
      expect(atHead.code).toBe(0);
      expect(JSON.parse(atHead.stdout).findings).toEqual([]);
      // A ref that names nothing is a usage error (exit 2, one line), as a bad --changed-since is.
      const missing = await cli([history.dir, "--base-ref", "v9.9.9", "--rule", "proto/breaking-change", "--format", "json"]);
      expect(missing.code).toBe(2);
      expect(missing.stdout).toBe("");
      expect(missing.stderr).toMatch(/^readiness-check: --base-ref v9\.9\.9 does not name a commit in .*\n$/);
    } finally {
      history.dispose();
    }
  }, 60_000);

  it("rejects an empty or option-like value as a usage error", async () => {
    for (const value of ["", "--output=x"]) {
      const { code, stderr } = await cli([".", `--base-ref=${value}`]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/--base-ref needs a git ref/);
    }
  });
});
