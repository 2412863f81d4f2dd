#!/usr/bin/env node
/**
 * The benchmark: generates (once) a monorepo of the given size, scans it cold in fresh processes, and
 * reports wall time, files per second (overall and per artifact kind), time per rule and loader, and peak
 * RSS; then a second run over the unchanged tree with the result cache; then runs the specialist peers
 * that install from npm on the same files, side by side.
 *
 *   npm run bench                       # 10,000 files, 3 runs, peers
 *   npm run bench -- --files 20000 --runs 1 --no-peers
 *   npm run bench -- --concurrency off  # Go files in the main thread only (default: auto, as the CLI)
 *
 * Peers are installed on first use into bench/.peers (git-ignored): ESLint with only `no-console` on the
 * TypeScript files, secretlint (recommended preset) on the tree, and `buf lint` on the protos when
 * @bufbuild/buf is installed. Each is compared with our scan restricted to the matching rules.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const { values } = parseArgs({
  options: {
    files: { type: "string", default: "10000" },
    runs: { type: "string", default: "3" },
    peers: { type: "boolean", default: true },
    out: { type: "string" },
    concurrency: { type: "string", default: "auto" },
  },
  allowNegative: true,
});
if (!/^(auto|off|\d+)$/.test(values.concurrency)) {
  console.error(`--concurrency must be auto, off or a number of threads, not ${values.concurrency}`);
  process.exit(2);
}
const files = Number(values.files);
const runs = Math.max(1, Number(values.runs));
const repo = path.resolve(values.out ?? path.join(os.tmpdir(), "readiness-bench", `monorepo-${files}`));

if (!existsSync(path.join(repo, ".gitignore"))) {
  execFileSync(process.execPath, [path.join(here, "generate.mjs"), "--files", String(files), "--out", repo], { stdio: "inherit" });
}
if (!existsSync(path.join(root, "dist/src/api.js"))) throw new Error("build first: npm run build");

function scanOnce(rules, env = {}) {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [path.join(here, "scan-once.mjs"), repo, values.concurrency, ...(rules ? [rules] : [])], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    env: { ...process.env, ...env },
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`scan failed: ${child.stderr}`);
  return { wallMs, ...JSON.parse(child.stdout) };
}

function timed(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const child = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 28, ...options });
  return { wallMs: Number(process.hrtime.bigint() - started) / 1e6, status: child.status, stderr: child.stderr, stdout: child.stdout };
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes) => `${Math.round(bytes / 1_048_576)} MB`;

console.log(`readiness-check benchmark: ${repo}`);
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${mb(os.totalmem())} RAM, Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}, --concurrency ${values.concurrency}\n`);

const samples = [];
for (let i = 0; i < runs; i++) samples.push(scanOnce());
const best = samples.find((r) => r.wallMs === median(samples.map((x) => x.wallMs)));
const totalFiles = Object.values(best.filesByKind).reduce((a, b) => a + b, 0);

console.log(`Full scan, every rule (median of ${runs}):`);
console.log(`  wall ${s(best.wallMs)} (module load ${s(best.moduleLoadMs)}, scan ${s(best.scanMs)}), ${totalFiles} files, ${Math.round((totalFiles * 1000) / best.wallMs)} files/s, peak RSS ${mb(best.peakRssBytes)}`);
console.log(`  all runs: ${samples.map((r) => s(r.wallMs)).join(", ")}; findings: ${JSON.stringify(best.findingsByRule)}`);

// Files per second per artifact kind: files of that kind over the time of the loader that parses them.
const LOADER_KINDS = { "Go parser": ["go"], "TypeScript parser": ["typescript", "javascript"], "YAML loader": ["yaml"], "dockerfile loader": ["dockerfile"], "proto loader": ["proto"] };
// With worker threads, the Go times are summed over the threads (as --timing says): wall time is less.
const goThreads = best.timing.goThreads;
console.log(`\n  per artifact kind (parsing)${goThreads ? `; Go files in ${goThreads} worker threads, their times summed over the threads` : ""}:`);
for (const loader of best.timing.loaders) {
  const kinds = LOADER_KINDS[loader.name];
  const count = kinds ? kinds.reduce((sum, k) => sum + (best.filesByKind[k] ?? 0), 0) : 0;
  const rate = kinds && loader.ms > 0 ? `${Math.round((count * 1000) / loader.ms)} files/s (${count} files)` : "";
  console.log(`    ${loader.name.padEnd(28)} ${s(loader.ms).padStart(8)}  ${rate}`);
}
console.log(`  per rule (own work${goThreads ? ", Go analysis summed over the threads" : ""}):`);
for (const rule of best.timing.rules) console.log(`    ${rule.id.padEnd(36)} ${s(rule.ms).padStart(8)}`);

// The second run over an unchanged tree: the result cache, in a fresh folder (filled by the first run).
const cacheDir = mkdtempSync(path.join(os.tmpdir(), "readiness-bench-cache-"));
const cacheRuns = [];
try {
  for (let i = 0; i < 3; i++) cacheRuns.push(scanOnce(undefined, { READINESS_BENCH_CACHE: cacheDir }));
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
console.log(
  `\nSecond run over the unchanged tree, --cache: ${cacheRuns.slice(1).map((r) => `${s(r.wallMs)} (${r.cache})`).join(", ")}` +
    ` (the first, which fills it: ${s(cacheRuns[0].wallMs)})`,
);

const report = { repo, files: totalFiles, runs: samples, cacheRuns, peers: [] };

if (values.peers) {
  const peersDir = path.join(here, ".peers");
  const bin = (name) => path.join(peersDir, "node_modules", ".bin", name);
  const install = (packages) => {
    mkdirSync(peersDir, { recursive: true });
    if (!existsSync(path.join(peersDir, "package.json"))) writeFileSync(path.join(peersDir, "package.json"), '{ "private": true }\n');
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent", ...packages], { cwd: peersDir, stdio: "inherit" });
  };
  // findingsExit: the peer's exit codes for "ran and found something" (buf lint: 100), besides 0.
  const compare = (name, ours, peer, findingsExit = [1]) => {
    const ratio = peer.wallMs / ours.wallMs;
    const verdict = ratio >= 1 ? `ours ${ratio.toFixed(1)}× faster` : `ours ${(1 / ratio).toFixed(1)}× slower`;
    const failed = peer.status === 0 || findingsExit.includes(peer.status) ? "" : `  (peer failed: exit ${peer.status})`;
    console.log(`  ${name.padEnd(44)} ours ${s(ours.wallMs).padStart(8)}   peer ${s(peer.wallMs).padStart(8)}   ${verdict}${failed}`);
    report.peers.push({ name, oursMs: ours.wallMs, peerMs: peer.wallMs, ratio });
  };
  console.log("\nSide by side on the same files (wall, fresh process each):");

  if (!existsSync(bin("eslint"))) install(["eslint@9", "typescript-eslint@8", "typescript@5.9"]);
  const eslintConfig = path.join(peersDir, "eslint.config.mjs");
  writeFileSync(
    eslintConfig,
    `import tseslint from "typescript-eslint";\nexport default [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser }, rules: { "no-console": "error" } }];\n`,
  );
  compare("ESLint no-console vs ts/no-console", scanOnce("ts/no-console"), timed(bin("eslint"), ["--no-config-lookup", "-c", eslintConfig, "--format", "json", "."], { cwd: repo }));

  if (!existsSync(bin("secretlint"))) install(["secretlint@9", "@secretlint/secretlint-rule-preset-recommend@9"]);
  const secretlintrc = path.join(peersDir, ".secretlintrc.json");
  writeFileSync(secretlintrc, '{ "rules": [{ "id": "@secretlint/secretlint-rule-preset-recommend" }] }\n');
  compare("secretlint vs secrets/hardcoded-secret", scanOnce("secrets/hardcoded-secret"), timed(bin("secretlint"), ["--secretlintrc", secretlintrc, "--format", "json", "**/*"], { cwd: repo }));

  const buf = [path.join(root, "node_modules/.bin/buf"), bin("buf")].find(existsSync);
  if (buf) {
    const protoRules = best.timing.rules.map((r) => r.id).filter((id) => id.startsWith("proto/")).join(",");
    const config = JSON.stringify({ version: "v2", lint: { use: ["STANDARD"] } });
    compare(`buf lint vs the ${protoRules.split(",").length} proto rules`, scanOnce(protoRules), timed(buf, ["lint", "--config", config, "--error-format", "json"], { cwd: repo }), [100]);
  } else {
    console.log("  buf lint: skipped (install @bufbuild/buf to compare)");
  }
}

const resultFile = path.join(here, ".results", `bench-${files}.json`);
mkdirSync(path.dirname(resultFile), { recursive: true });
writeFileSync(resultFile, JSON.stringify(report, null, 2) + "\n");
console.log(`\nraw results: ${path.relative(root, resultFile)}`);
