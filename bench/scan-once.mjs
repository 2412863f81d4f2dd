// One scan in a fresh process, as a user runs it; prints what the runner needs as one JSON line.
// Usage: node bench/scan-once.mjs <folder> <auto|off|threads> [rule-id,...]
// Without rule ids every rule runs, including those the default `recommended` preset leaves off.
// READINESS_BENCH_CACHE=<folder>: use the result cache there (the runner's second-run measurement).
import { performance } from "node:perf_hooks";

const started = performance.now();
const { scan } = await import("../dist/src/api.js");
const { allRules } = await import("../dist/rules/index.js");
const moduleLoadMs = performance.now() - started;
const [folder, concurrency, rules] = process.argv.slice(2);
const result = await scan({
  path: folder,
  only: rules ? rules.split(",") : allRules.map((rule) => rule.meta.id),
  concurrency: concurrency === "auto" || concurrency === "off" ? concurrency : Number(concurrency),
  ...(process.env.READINESS_BENCH_CACHE && { cache: { location: process.env.READINESS_BENCH_CACHE } }),
});
const findingsByRule = {};
for (const finding of result.findings) findingsByRule[finding.ruleId] = (findingsByRule[finding.ruleId] ?? 0) + 1;
process.stdout.write(
  JSON.stringify({
    moduleLoadMs,
    scanMs: result.stats.durationMs,
    processMs: performance.now(),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    filesByKind: result.stats.filesByKind,
    timing: result.stats.timing,
    findingsByRule,
    complete: result.complete,
    cache: result.stats.cache,
  }) + "\n",
);
