#!/usr/bin/env node
import module from "node:module";

// Node 22.1+ keeps V8's compiled code of the tool and of the TypeScript compiler it loads between runs (in the
// OS temp folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off): about 0.15 s less start-up per run. Node 20 has
// no such cache. It must be on before the rest is imported, hence the dynamic import below.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

/** Tool errors are one line (CI logs and wrappers read the first line); newlines from messages are folded. */
const oneLine = (text: string) => text.split(/\s*\n\s*/).filter(Boolean).join("; ");
let settled = false;

// `readiness-check . | head` closes the pipe early: that is the reader's choice, not an error to report.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

// Code in a configuration file can fail after it was loaded (a timer that throws): a tool error, not a crash.
const failed = (error: unknown) => {
  settled = true;
  process.stderr.write(`readiness-check: internal error: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
  process.exitCode = 2;
};
process.on("uncaughtException", failed);
process.on("unhandledRejection", failed);

// Node exits when nothing is left to wait for, even if the run never finished (a configuration whose
// promise never settles): say so instead of exiting 0 with no output.
process.on("exit", () => {
  if (settled) return;
  process.stderr.write("readiness-check: the run stopped before it finished (a configuration file's promise never settled?)\n");
  process.exitCode = 2;
});

// The exit code is set, never forced, so piped output is flushed before the process ends.
import("./run.js")
  .then(({ run }) => run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }))
  .then(
    (code) => {
      if (settled) return;
      settled = true;
      process.exitCode = code;
    },
    failed,
  );
