import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { discover } from "../../src/loaders/discovery.js";
import { LazyRepository } from "../../src/loaders/repository.js";

// A loader defect on one file, simulated: the repository must contain it to that file.
vi.mock("../../src/loaders/dockerfile.js", async (original) => {
  const real = await original<typeof import("../../src/loaders/dockerfile.js")>();
  return {
    loadDockerfile: (file: string, text: string) => {
      if (file.includes("bomb")) throw new RangeError("Maximum call stack size exceeded");
      if (file.includes("quoting")) throw new SyntaxError(`Unexpected token in "${text}"`);
      return real.loadDockerfile(file, text);
    },
  };
});

async function repository(files: Record<string, string>): Promise<LazyRepository> {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), "rc-repo-")));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return new LazyRepository(await discover(root, { repoRoot: root }));
}

describe("LazyRepository", () => {
  it("turns a loader that throws into a diagnostic for that file and keeps the others", async () => {
    const repo = await repository({
      "bomb/Dockerfile": "FROM alpine:3.20\n",
      "quoting/Dockerfile": "FROM alpine:3.20\nENV TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n",
      "ok/Dockerfile": "FROM alpine:3.20\n",
    });
    expect(repo.dockerfiles.map((d) => d.path)).toEqual(["ok/Dockerfile"]);
    const diagnostics = repo.diagnostics();
    expect(diagnostics.map((d) => `${d.kind} ${d.path}`)).toEqual(["parse-error bomb/Dockerfile", "parse-error quoting/Dockerfile"]);
    expect(diagnostics[0]!.message).toContain("RangeError: Maximum call stack size exceeded");
    // An error message may quote input: only its class is kept.
    expect(diagnostics[1]!.message).not.toContain("ghp_");
    expect(diagnostics[1]!.message).toContain("(SyntaxError)");
  });

  it("loads each kind once, on first use", async () => {
    const repo = await repository({ "Dockerfile": "FROM alpine:3.20\n" });
    expect(repo.dockerfiles).toBe(repo.dockerfiles);
  });
});
