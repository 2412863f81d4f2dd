/**
 * Go files analysed in worker threads give the same findings as in one thread: for every rule that
 * analyses Go files, every fixture case holding Go code is scanned both ways and compared whole
 * (messages, ranges, related locations), not only against expected.txt.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { allRules } from "../rules/index.js";
import type { GoAnalysis, GoAnalyzer } from "../src/engine/run.js";
import { analyzeGoFilesInWorkers, goWorkersRunning, keepGoWorkersBetweenRuns, type GoWorkerLoading } from "../src/go-workers.js";
import { scan } from "../src/api.js";
import { renderTiming } from "../src/reporters/timing.js";
import { fixtureCases, runCase } from "./helpers/rule-fixtures.js";

function holdsGo(dir: string): boolean {
  return readdirSync(dir).some((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? holdsGo(full) : name.endsWith(".go");
  });
}

const goRules = allRules.filter((rule) => rule.analyzeGo);

// The first worker start under the test runner compiles the tool through jiti (about 20 s, then cached).
vi.setConfig({ testTimeout: 120_000 });
// Each worker start under the test runner costs seconds: these tests share the workers.
beforeAll(() => keepGoWorkersBetweenRuns());
afterAll(() => keepGoWorkersBetweenRuns(false));

describe("Go analysis in worker threads", () => {
  it("covers the rules that analyse Go files", () => {
    // A visitor cannot see Go files any other way, so a rule that reads Go must have analyzeGo.
    const readingGo = allRules.filter((rule) => rule.meta.inputs.includes("go")).map((rule) => rule.meta.id);
    expect(readingGo.length).toBeGreaterThan(10);
    expect(readingGo.filter((id) => !goRules.some((rule) => rule.meta.id === id))).toEqual([]);
  });

  for (const rule of goRules) {
    const cases = fixtureCases(rule.meta.id).filter((c) => holdsGo(c.dir));
    it.each(cases.map((c) => [`${c.expectation}/${c.name}`, c] as const))(`${rule.meta.id} %s`, async (_name, fixture) => {
      const inThread = await runCase(rule.meta.id, fixture, { concurrency: "off" });
      const inWorkers = await runCase(rule.meta.id, fixture, { concurrency: 2 });
      expect(inWorkers.findings).toEqual(inThread.findings);
      expect(inWorkers.actual).toEqual(fixture.expected);
    });
  }
});

describe("the Go worker pool", () => {
  const repoRoot = mkdtempSync(path.join(tmpdir(), "rc-go-workers-"));
  const write = (file: string, text: string | Buffer) => {
    mkdirSync(path.dirname(path.join(repoRoot, file)), { recursive: true });
    writeFileSync(path.join(repoRoot, file), text);
  };
  // Enough files for several batches, so results can arrive out of order.
  const paths: string[] = [];
  for (let i = 0; i < 70; i++) {
    const file = `svc/p${String(i).padStart(2, "0")}/main.go`;
    write(file, `package main\n\nimport "fmt"\n\nfunc main() {\n\thttp.ListenAndServe(":8080", handle)\n}\n\nfunc handle() {\n\tfmt.Println("hi ${i}")\n}\n`);
    paths.push(file);
  }
  write(
    "svc/quiet/main.go",
    'package main\n\nimport "fmt"\n\nfunc main() {\n\thttp.ListenAndServe(":8080", handle)\n}\n\nfunc handle() {\n\t// readiness-check-disable-next-line go/no-fmt-print -- a demo\n\tfmt.Println("quiet")\n}\n',
  );
  paths.push("svc/quiet/main.go");
  write("broken/broken.go", "package broken\n\nfunc f( {\n");
  write("binary/blob.go", Buffer.from([0x70, 0x00, 0x01]));
  const all = [...paths, "binary/blob.go", "broken/broken.go", "missing/gone.go"].sort();
  afterAll(() => rmSync(repoRoot, { recursive: true, force: true }));

  async function analyze(analyzers: GoAnalyzer[]) {
    const seen: { path: string; analyses: readonly GoAnalysis[] }[] = [];
    let loading: GoWorkerLoading | undefined;
    const ms = await analyzeGoFilesInWorkers({
      repoRoot,
      paths: all,
      analyzers,
      threads: 2,
      marker: "readiness-check-disable",
      onFile: (file, analyses) => seen.push({ path: file, analyses }),
      onLoading: (l) => (loading = l),
    });
    return { seen, loading: loading!, ms };
  }

  it("hands files on in the order given, with each analyzer's facts, and records what could not be read or parsed", async () => {
    const { seen, loading, ms } = await analyze([{ ruleId: "go/no-fmt-print", options: {} }]);
    // The unreadable and binary files are skipped; the broken one is analysed (partial tree) with a diagnostic.
    expect(seen.map((s) => s.path)).toEqual(all.filter((p) => p !== "binary/blob.go" && p !== "missing/gone.go"));
    const facts = seen.find((s) => s.path === "svc/p07/main.go")!.analyses[0]!.facts as { isMain: boolean; candidates: unknown[] };
    expect(facts.isMain).toBe(true);
    expect(facts.candidates).toHaveLength(1);
    expect(loading.skipped).toEqual([
      { path: "binary/blob.go", reason: "binary" },
      { path: "missing/gone.go", reason: "unreadable (ENOENT)" },
    ]);
    expect(loading.diagnostics.map((d) => [d.path, d.kind])).toEqual([["broken/broken.go", "parse-error"]]);
    expect(loading.loaderMs["Go parser"]).toBeGreaterThan(0);
    expect(loading.marked).toEqual(["svc/quiet/main.go"]);
    expect(loading.threads).toBe(2);
    expect(ms).toHaveLength(1);
  });

  it("turns a rule the workers cannot run into that rule's error, not a failed scan", async () => {
    const { seen } = await analyze([
      { ruleId: "no/such-rule", options: {} },
      { ruleId: "go/no-fmt-print", options: {} },
    ]);
    expect(seen[0]!.analyses[0]!.error).toMatch(/no\/such-rule has no Go analysis/);
    expect(seen[0]!.analyses[1]!.error).toBeUndefined();
  });

  it("finds the suppressions in the files it read, so a scan in workers suppresses what one thread does", async () => {
    const inThread = await scan({ path: repoRoot, only: ["go/no-fmt-print"], concurrency: "off" });
    const inWorkers = await scan({ path: repoRoot, only: ["go/no-fmt-print"], concurrency: 2 });
    expect(inThread.suppressed.map((f) => `${f.path}:${f.range.start.line}`)).toEqual(["svc/quiet/main.go:11"]);
    expect(inWorkers.suppressed).toEqual(inThread.suppressed);
    expect(inWorkers.findings).toEqual(inThread.findings);
    expect(inWorkers.findings.filter((f) => f.ruleId === "go/no-fmt-print")).toHaveLength(70);
    // --timing says that Go times are summed over the threads.
    expect(inWorkers.stats.timing?.goThreads).toBe(2);
    expect(inThread.stats.timing?.goThreads).toBeUndefined();
    expect(renderTiming(inWorkers)).toMatch(/Go files in 2 worker threads: their reading, parsing and rule times are summed/);
  });

  it("serves two scans at once one after the other, not mixed", async () => {
    // Different analyzers, so that answers delivered to the wrong scan would show.
    const one: GoAnalyzer[] = [{ ruleId: "go/no-fmt-print", options: {} }];
    const two: GoAnalyzer[] = [{ ruleId: "no/such-rule", options: {} }, ...one];
    const [aloneOne, aloneTwo] = [await analyze(one), await analyze(two)];
    const [first, second] = await Promise.all([analyze(one), analyze(two)]);
    expect(first.seen).toEqual(aloneOne.seen);
    expect(second.seen).toEqual(aloneTwo.seen);
  });

  it("fails the run, naming the way around it, when the workers cannot be given the work", async () => {
    // Options come from validated configuration and are plain data; a function cannot be copied to a thread.
    const run = analyze([{ ruleId: "go/no-fmt-print", options: { notData: () => 1 } }]);
    await expect(run).rejects.toThrow(/could not be cloned.*--concurrency off analyses Go files without them/);
    expect(goWorkersRunning()).toBe(0); // workers in an unknown state are not kept
  });

  it("is reused by the next scan when kept, and otherwise ends with the run, giving its memory back", async () => {
    const first = await analyze([{ ruleId: "go/no-fmt-print", options: {} }]);
    expect(goWorkersRunning()).toBe(2);
    keepGoWorkersBetweenRuns(false);
    expect(goWorkersRunning()).toBe(0);
    try {
      const second = await analyze([{ ruleId: "go/no-fmt-print", options: {} }]);
      expect(second.seen).toEqual(first.seen);
      expect(goWorkersRunning()).toBe(0);
    } finally {
      keepGoWorkersBetweenRuns();
    }
  });
});
