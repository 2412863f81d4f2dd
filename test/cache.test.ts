import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { render, scan, type ScanOptions } from "../src/api.js";
import { stableJson } from "../src/cache.js";

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc
spec:
  template:
    spec:
      containers:
        - name: svc
          image: ${image}
`;

function gitRepo(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), "rc-cache-")));
  write(root, files);
  execFileSync("git", ["init", "-q"], { cwd: root });
  return root;
}

function write(root: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
}

/** A repository and a cache folder of its own; `run` scans it with the cache on. */
function setUp(files: Record<string, string>) {
  const root = gitRepo(files);
  const location = realpathSync(mkdtempSync(path.join(tmpdir(), "rc-cache-store-")));
  const run = (options: Partial<ScanOptions> = {}) => scan({ path: root, cache: { location }, ...options });
  const entries = () => readdirSync(location).filter((name) => name.endsWith(".json"));
  return { root, location, run, entries };
}

const RULES = ["k8s/probes-defined", "k8s/resources-set", "deps/lockfile-present"];

describe("result cache", () => {
  it("reuses the result of an identical scan: same findings, same report", async () => {
    const { run, entries } = setUp({ "deploy/app.yaml": deployment("registry.example.com/svc:1.0.0") });
    const first = await run({ only: RULES });
    expect(first.stats.cache).toBe("miss");
    expect(first.findings.length).toBeGreaterThan(0);
    expect(entries()).toHaveLength(1);

    const second = await run({ only: RULES });
    expect(second.stats.cache).toBe("hit");
    expect(second.findings).toEqual(first.findings);
    expect(second.rules).toEqual(first.rules);
    expect(render(second, "json")).toBe(render(first, "json"));
    expect(entries()).toHaveLength(1);
  });

  it("is off unless asked for", async () => {
    const root = gitRepo({ "deploy/app.yaml": deployment("svc:1.0.0") });
    const result = await scan({ path: root, only: RULES });
    expect(result.stats.cache).toBeUndefined();
  });

  it("misses when a file's contents change, and the new result reflects the change", async () => {
    const { root, run } = setUp({ "deploy/app.yaml": deployment("registry.example.com/svc:1.0.0") });
    const before = await run({ only: RULES });
    // Same length, different contents: only the contents can tell.
    write(root, { "deploy/app.yaml": deployment("registry.example.com/svc:1.0.1").replace("name: svc\n", "name: sv2\n") });
    const after = await run({ only: RULES });
    expect(after.stats.cache).toBe("miss");
    expect(JSON.stringify(after.findings)).not.toBe(JSON.stringify(before.findings));
    expect((await run({ only: RULES })).stats.cache).toBe("hit");
  });

  it("misses when a file is added or removed", async () => {
    const { root, run } = setUp({ "deploy/app.yaml": deployment("svc:1.0.0") });
    await run({ only: RULES });
    // Another object (same-named copies of one object are reported once, at the first file).
    write(root, { "deploy/other.yaml": deployment("other:1.0.0").replace("name: svc\n", "name: other\n") });
    const added = await run({ only: RULES });
    expect(added.stats.cache).toBe("miss");
    expect(added.findings.some((f) => f.path === "deploy/other.yaml")).toBe(true);
    rmSync(path.join(root, "deploy/other.yaml"));
    const removed = await run({ only: RULES });
    expect(removed.stats.cache).toBe("miss");
    expect(removed.findings.some((f) => f.path === "deploy/other.yaml")).toBe(false);
  });

  it("misses when the options change: rule selection, rule options, scanned folder", async () => {
    const { root, run } = setUp({ "deploy/app.yaml": deployment("svc:1.0.0"), "package.json": '{ "dependencies": { "pg": "8" } }' });
    await run({ only: RULES });
    expect((await run({ only: RULES })).stats.cache).toBe("hit");

    const fewer = await run({ only: ["k8s/probes-defined"] });
    expect(fewer.stats.cache).toBe("miss");
    expect(new Set(fewer.findings.map((f) => f.ruleId))).toEqual(new Set(["k8s/probes-defined"]));
    expect((await run({ only: RULES })).stats.cache).toBe("hit"); // each configuration keeps its own entry

    expect((await run({ only: RULES, ruleOptions: { "k8s/probes-defined": { x: 1 } } })).stats.cache).toBe("miss");
    expect((await run({ only: RULES, ruleOptions: { "k8s/probes-defined": { x: 2 } } })).stats.cache).toBe("miss");
    expect((await run({ only: RULES, ruleOptions: { "k8s/probes-defined": { x: 2 } } })).stats.cache).toBe("hit");

    const sub = await run({ path: path.join(root, "deploy"), only: RULES });
    expect(sub.stats.cache).toBe("miss");
    expect(sub.scanPrefix).toBe("deploy");
  });

  it("misses when something the loaders saw outside the scanned files changes (a lockfile above the folder)", async () => {
    const { root, run } = setUp({
      "package-lock.json": "{}",
      "services/api/package.json": '{ "name": "api", "dependencies": { "pg": "8" } }',
    });
    const only = ["deps/lockfile-present"];
    const folder = path.join(root, "services/api");
    expect((await run({ path: folder, only })).findings).toEqual([]);
    expect((await run({ path: folder, only })).stats.cache).toBe("hit");
    // Nothing under services/api changed: only the lockfile found above it is gone.
    rmSync(path.join(root, "package-lock.json"));
    const gone = await run({ path: folder, only });
    expect(gone.stats.cache).toBe("miss");
    expect(gone.findings.map((f) => f.ruleId)).toEqual(["deps/lockfile-present"]);
  });

  it("treats a corrupt or foreign entry as a miss and replaces it", async () => {
    const { location, run, entries } = setUp({ "deploy/app.yaml": deployment("svc:1.0.0") });
    const first = await run({ only: RULES });
    const [entry] = entries();
    for (const garbage of ["", "{", "null", "[]", '{"format":1,"key":"x"}', stableJson({ format: 1, key: "k", probes: [], result: {} }), "\u0000\u0001binary"]) {
      writeFileSync(path.join(location, entry!), garbage);
      const again = await run({ only: RULES });
      expect(again.stats.cache).toBe("miss");
      expect(again.findings).toEqual(first.findings);
    }
    expect((await run({ only: RULES })).stats.cache).toBe("hit");
  });

  it("scans normally when the cache location cannot be written", async () => {
    const { root } = setUp({ "deploy/app.yaml": deployment("svc:1.0.0") });
    const blocked = path.join(realpathSync(mkdtempSync(path.join(tmpdir(), "rc-cache-blocked-"))), "file");
    writeFileSync(blocked, "not a folder");
    const result = await scan({ path: root, only: RULES, cache: { location: path.join(blocked, "cache") } });
    expect(result.stats.cache).toBe("miss");
    expect(result.findings.length).toBeGreaterThan(0);
    chmodSync(blocked, 0o644);
  });

  // Node's recursive mkdirSync spins forever under /proc (mkdir answers ENOENT again and again).
  it.runIf(existsSync("/proc/self"))("scans normally with a location under a pseudo-filesystem (/proc)", async () => {
    const { root } = setUp({ "deploy/app.yaml": deployment("svc:1.0.0") });
    const result = await scan({ path: root, only: RULES, cache: { location: "/proc/readiness-check-cache/x" } });
    expect(result.stats.cache).toBe("miss");
    expect(result.findings.length).toBeGreaterThan(0);
  }, 20_000);
});

describe("result cache and the gate", () => {
  it("misses when the configuration file changes, and is not used with --changed-since", async () => {
    const { root, run } = setUp({ "deploy/app.yaml": deployment("svc:1.0.0") });
    const first = await run();
    expect(first.findings.some((f) => f.ruleId === "k8s/probes-defined")).toBe(true);
    expect((await run()).stats.cache).toBe("hit");
    write(root, { ".readinessrc.yaml": "rules:\n  k8s/probes-defined: off\n" });
    const configured = await run();
    expect(configured.stats.cache).toBe("miss");
    expect(configured.findings.some((f) => f.ruleId === "k8s/probes-defined")).toBe(false);
    execFileSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "x", "--allow-empty"], { cwd: root });
    const changed = await run({ changedSince: "HEAD" });
    expect(changed.stats.cache).toBeUndefined();
  });
});
