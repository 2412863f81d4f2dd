/**
 * Go files parsed and analysed in worker threads (go-worker.ts): the Go parser is the largest single
 * cost of a scan and one thread cannot share it. Files go out in small batches to whichever worker is
 * free; results come back in any order and are handed on in file order, so the rules' state is built
 * exactly as in one thread. The workers end with each run, so their memory is given back before the
 * scan goes on to the TypeScript files; a process that runs many scans (the tests) may keep them.
 */
import { Worker } from "node:worker_threads";
import type { GoAnalysis, GoAnalyzer } from "./engine/run.js";
import type { GoBatchRequest, GoBatchResponse } from "./go-worker.js";
import type { LoadDiagnostic } from "./model/finding.js";

/** Files per message: small enough to balance two threads at the end, large enough that messages cost little. */
const BATCH_SIZE = 16;

export interface GoWorkerLoading {
  /** Worker threads that took part (no more than there were batches). */
  threads: number;
  diagnostics: LoadDiagnostic[];
  skipped: { path: string; reason: string }[];
  /** Files whose text contains the run's `marker`. */
  marked: string[];
  loaderMs: Record<string, number>;
}

export interface GoWorkerRun {
  repoRoot: string;
  /** In path order; `onFile` is called in this order. */
  paths: readonly string[];
  analyzers: readonly GoAnalyzer[];
  threads: number;
  /** Text to look for in each file read (the suppression marker). */
  marker?: string;
  onFile(path: string, analyses: readonly GoAnalysis[]): void;
  /** Once, at the end: what reading and parsing met in the workers. */
  onLoading(loading: GoWorkerLoading): void;
}

const pool: Worker[] = [];
let keepAlive = false;

/**
 * Keeps the workers between runs instead of ending them after each: saves their start (about half a
 * second each, far more under the test runner) at the cost of their memory. They never keep the
 * process alive.
 */
export function keepGoWorkersBetweenRuns(keep = true): void {
  keepAlive = keep;
  if (!keep) resetPool();
}

/**
 * Starts the workers a run will use, so that they load the parser and the rules while the main
 * thread is still preparing the scan (a second or so of one busy core otherwise).
 */
export function startGoWorkers(threads: number): void {
  while (pool.length < threads) pool.push(startWorker());
}

/** Workers started and not yet ended (for the tests). */
export function goWorkersRunning(): number {
  return pool.length;
}

function startWorker(): Worker {
  // Under the test runner this module is TypeScript source: the worker then loads through jiti.
  const typescript = import.meta.url.endsWith(".ts");
  const url = new URL(typescript ? "./go-worker.ts" : "./go-worker.js", import.meta.url);
  // The main thread's stack (V8's default, just under 1 MB) rather than a worker's 4 MB: a rule that
  // recurses per nesting level then gives up at about the same depth in either mode.
  const worker = new Worker(url, { execArgv: typescript ? ["--import", "jiti/register"] : [], resourceLimits: { stackSizeMb: 1 } });
  worker.unref();
  return worker;
}

function resetPool(): void {
  for (const worker of pool.splice(0)) void worker.terminate();
}

/** The run holding the pool: runs take turns, since the workers' messages carry no run of their own. */
let pending: Promise<unknown> = Promise.resolve();

/**
 * Resolves to each analyzer's own milliseconds, summed over the threads. Concurrent calls (two scans
 * at once through the API) wait for each other.
 */
export function analyzeGoFilesInWorkers(run: GoWorkerRun): Promise<number[]> {
  const result = pending.then(() => runInPool(run));
  pending = result.catch(() => undefined);
  return result;
}

function runInPool(run: GoWorkerRun): Promise<number[]> {
  const batches: string[][] = [];
  for (let i = 0; i < run.paths.length; i += BATCH_SIZE) batches.push(run.paths.slice(i, i + BATCH_SIZE));
  const threads = Math.max(1, Math.min(run.threads, batches.length));
  startGoWorkers(threads);
  const workers = pool.slice(0, threads);
  const analyzerMs = run.analyzers.map(() => 0);
  const loading: GoWorkerLoading = { threads, diagnostics: [], skipped: [], marked: [], loaderMs: {} };
  const arrived = new Map<number, GoBatchResponse>();
  let nextToSend = 0;
  let nextToApply = 0;

  return new Promise<number[]>((resolve, reject) => {
    const listeners = new Map<Worker, { message: (m: unknown) => void; error: (e: unknown) => void; exit: (code: number) => void }>();
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      for (const [worker, l] of listeners) {
        worker.off("message", l.message).off("error", l.error).off("exit", l.exit);
        worker.unref();
      }
      listeners.clear();
      if (error === undefined) {
        if (!keepAlive) resetPool();
        return resolve(analyzerMs);
      }
      resetPool(); // a worker in an unknown state is not reused
      const reason = error instanceof Error ? error.message : String(error);
      reject(new Error(`${reason} (in the Go worker threads; --concurrency off analyses Go files without them)`));
    };
    const send = (worker: Worker) => {
      if (nextToSend >= batches.length) return;
      const request: GoBatchRequest = { batch: nextToSend, repoRoot: run.repoRoot, paths: batches[nextToSend]!, analyzers: [...run.analyzers], ...(run.marker !== undefined && { marker: run.marker }) };
      nextToSend++;
      try {
        worker.postMessage(request);
      } catch (error) {
        finish(error); // the request cannot be copied to the thread (an option that is not plain data)
      }
    };
    const apply = (response: GoBatchResponse) => {
      for (const file of response.files) if (file.analyses) run.onFile(file.path, file.analyses);
      for (const diagnostic of response.diagnostics) loading.diagnostics.push(diagnostic);
      for (const skipped of response.skipped) loading.skipped.push(skipped);
      for (const marked of response.marked) loading.marked.push(marked);
      for (const [what, ms] of Object.entries(response.loaderMs)) loading.loaderMs[what] = (loading.loaderMs[what] ?? 0) + ms;
      response.analyzerMs.forEach((ms, index) => (analyzerMs[index]! += ms));
    };
    if (batches.length === 0) return finish();
    for (const worker of workers) {
      const l = {
        message: (message: unknown) => {
          const response = message as GoBatchResponse & { fatal?: string };
          if (response.fatal !== undefined) return finish(new Error(response.fatal));
          arrived.set(response.batch, response);
          send(worker);
          if (settled) return;
          try {
            while (arrived.has(nextToApply)) {
              apply(arrived.get(nextToApply)!);
              arrived.delete(nextToApply++);
            }
          } catch (error) {
            return finish(error);
          }
          if (nextToApply === batches.length) {
            run.onLoading(loading);
            finish();
          }
        },
        error: (error: unknown) => finish(error),
        exit: (code: number) => finish(new Error(`a Go worker thread stopped (exit code ${code})`)),
      };
      listeners.set(worker, l);
      worker.on("message", l.message).on("error", l.error).on("exit", l.exit);
      worker.ref();
      send(worker);
      if (settled) break;
    }
  });
}
