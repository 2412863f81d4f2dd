/**
 * A worker thread that parses Go files and runs the rules' per-file analysis (`analyzeGo`) on them.
 * Started by go-workers.ts; a syntax tree never leaves the thread that parsed it, so the rules' work
 * on a file happens here and only plain data (reports, facts) goes back.
 */
import * as nodeModule from "node:module";
import { parentPort } from "node:worker_threads";
import type { GoAnalysis, GoAnalyzer } from "./engine/run.js";
import { createGoParser, type GoParser } from "./loaders/go.js";
import type { LoadDiagnostic, ReportDescriptor } from "./model/finding.js";
import type { GoSourceFile, Rule } from "./rule-kit/define-rule.js";

// The rules import the TypeScript compiler for their TypeScript visitors, which never run here:
// "ts-morph" resolves to a stand-in (typescript-stand-in.ts), so no worker pays for loading it.
// Not under the test runner (this file is then TypeScript source, loaded by jiti, which resolves by
// itself), nor on a Node without module.register (before 20.6): the real compiler loads there.
const standIn = new URL("./typescript-stand-in.js", import.meta.url).href;
const redirected = !import.meta.url.endsWith(".ts") && typeof nodeModule.register === "function";
if (redirected) {
  const hooks =
    `export async function resolve(specifier, context, next) {` +
    ` return specifier === "ts-morph" ? { url: ${JSON.stringify(standIn)}, shortCircuit: true } : next(specifier, context); }`;
  nodeModule.register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
// Imported only now, so that the redirection applies to everything they import.
const { loaderFailure, readRepoText } = await import("./loaders/repository.js");
const { allRules } = await import("../rules/index.js");
if (redirected) ((await import(standIn)) as typeof import("./typescript-stand-in.js")).armTypescriptStandIn();

export interface GoBatchRequest {
  batch: number;
  repoRoot: string;
  paths: string[];
  analyzers: GoAnalyzer[];
  /** Text to look for while the file is in hand (the suppression marker), so the main thread need not read it again. */
  marker?: string;
}

export interface GoFileResult {
  path: string;
  /** Undefined when the file was skipped or could not be parsed. */
  analyses?: GoAnalysis[];
}

export interface GoBatchResponse {
  batch: number;
  files: GoFileResult[];
  diagnostics: LoadDiagnostic[];
  skipped: { path: string; reason: string }[];
  /** The batch's files whose text contains the request's marker. */
  marked: string[];
  /** Milliseconds per analyzer (in request order) and per loader, for this batch. */
  analyzerMs: number[];
  loaderMs: Record<string, number>;
}

const rulesById = new Map<string, Rule>(allRules.map((rule) => [rule.meta.id, rule]));
let parser: GoParser | undefined;

async function analyzeBatch(request: GoBatchRequest): Promise<GoBatchResponse> {
  parser ??= await createGoParser();
  const response: GoBatchResponse = { batch: request.batch, files: [], diagnostics: [], skipped: [], marked: [], analyzerMs: request.analyzers.map(() => 0), loaderMs: {} };
  const addLoaderMs = (what: string, ms: number) => (response.loaderMs[what] = (response.loaderMs[what] ?? 0) + ms);
  const rules = request.analyzers.map((a) => rulesById.get(a.ruleId));
  for (const path of request.paths) {
    let started = performance.now();
    const read = readRepoText(request.repoRoot, path);
    addLoaderMs("reading files", performance.now() - started);
    if (read.text === undefined) {
      response.skipped.push({ path, reason: read.skipped ?? "unreadable" });
      response.files.push({ path });
      continue;
    }
    if (request.marker !== undefined && read.text.includes(request.marker)) response.marked.push(path);
    started = performance.now();
    let parsed: ReturnType<GoParser["parse"]>;
    try {
      parsed = parser.parse(path, read.text);
    } catch (error) {
      response.diagnostics.push(loaderFailure(path, "Go parser", error));
      response.files.push({ path });
      continue;
    } finally {
      addLoaderMs("Go parser", performance.now() - started);
    }
    for (const diagnostic of parsed.diagnostics) response.diagnostics.push(diagnostic);
    const file = parsed.file as GoSourceFile;
    try {
      const analyses = request.analyzers.map((analyzer, index) => {
        const start = performance.now();
        const analysis = analyze(rules[index], analyzer, file);
        response.analyzerMs[index]! += performance.now() - start;
        return analysis;
      });
      response.files.push({ path, analyses });
    } finally {
      parser.free(parsed.file);
    }
  }
  return response;
}

function analyze(rule: Rule | undefined, analyzer: GoAnalyzer, file: GoSourceFile): GoAnalysis {
  const reports: ReportDescriptor[] = [];
  if (!rule?.analyzeGo) return { reports, error: `rule ${analyzer.ruleId} has no Go analysis in worker threads` };
  try {
    const facts = rule.analyzeGo(file, { options: analyzer.options, report: (descriptor) => reports.push(descriptor) });
    return facts === undefined ? { reports } : { reports, facts };
  } catch (error) {
    return { reports, error: error instanceof Error ? error.message : String(error) };
  }
}

parentPort?.on("message", (request: GoBatchRequest) => {
  analyzeBatch(request).then(
    (response) => {
      try {
        parentPort!.postMessage(response);
      } catch (error) {
        // A rule returned facts that cannot be copied to another thread: that rule crashes, not the scan.
        parentPort!.postMessage(withoutUncloneable(response, error));
      }
    },
    (error: unknown) => parentPort!.postMessage({ batch: request.batch, fatal: error instanceof Error ? error.message : String(error) }),
  );
});

/** The response with every analysis that cannot be cloned replaced by that rule's crash. */
function withoutUncloneable(response: GoBatchResponse, error: unknown): GoBatchResponse {
  const reason = `its Go facts cannot be copied between threads (${error instanceof Error ? error.message : String(error)})`;
  return {
    ...response,
    files: response.files.map((file) => ({
      path: file.path,
      analyses: file.analyses?.map((analysis) => {
        try {
          structuredClone(analysis);
          return analysis;
        } catch {
          return { reports: [], error: reason };
        }
      }),
    })),
  };
}
