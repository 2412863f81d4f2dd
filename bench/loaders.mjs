#!/usr/bin/env node
/**
 * Micro-benchmark of the source loaders alone (no rules, no discovery): for the Go and TypeScript files
 * of a tree, the bare parser against our loader on the same texts, read into memory first.
 *
 *   npm run build && node bench/loaders.mjs [folder] [--runs 3]
 *
 * The folder defaults to the benchmark's generated 10,000-file tree. "bare" is what parsing costs at
 * least (web-tree-sitter parse + delete; ts.createSourceFile); "loader" adds imports, calls and ranges.
 */
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: "string", default: "3" } } });
const folder = path.resolve(positionals[0] ?? path.join(os.tmpdir(), "readiness-bench", "monorepo-10000"));
const runs = Number(values.runs);

const goFiles = [];
const tsFiles = [];
(function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === ".git") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.name.endsWith(".go")) goFiles.push([path.relative(folder, full), readFileSync(full, "utf8")]);
    else if (/\.[cm]?[jt]sx?$/.test(entry.name)) tsFiles.push([path.relative(folder, full), readFileSync(full, "utf8")]);
  }
})(folder);

const { createGoParser } = await import("../dist/src/loaders/go.js");
const { parseTsFile } = await import("../dist/src/loaders/typescript.js");
const { Parser, Language } = await import("web-tree-sitter");
const { ts } = await import("ts-morph");
await Parser.init();
const bare = new Parser();
bare.setLanguage(await Language.load(createRequire(import.meta.url).resolve("tree-sitter-go/tree-sitter-go.wasm")));
const goParser = await createGoParser();

function time(label, count, work) {
  const samples = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    result = work();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const ms = samples[Math.floor(samples.length / 2)];
  console.log(`  ${label.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${String(Math.round((count * 1000) / ms)).padStart(6)} files/s  ${result ?? ""}`);
}

console.log(`loaders on ${folder} (median of ${runs}; load average ${os.loadavg()[0].toFixed(2)})`);
console.log(`Go: ${goFiles.length} files`);
time("bare web-tree-sitter parse", goFiles.length, () => {
  for (const [, text] of goFiles) bare.parse(text).delete();
});
time("Go loader (parse + model + free)", goFiles.length, () => {
  let calls = 0;
  for (const [file, text] of goFiles) {
    const parsed = goParser.parse(file, text);
    calls += parsed.file.calls.length;
    goParser.free(parsed.file);
  }
  return `${calls} calls`;
});
console.log(`TypeScript/JavaScript: ${tsFiles.length} files`);
time("bare ts.createSourceFile", tsFiles.length, () => {
  for (const [file, text] of tsFiles) ts.createSourceFile(file, text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, true);
});
time("TS loader (parse + model)", tsFiles.length, () => {
  let calls = 0;
  for (const [file, text] of tsFiles) calls += parseTsFile(file, text).file.calls.length;
  return `${calls} calls`;
});
