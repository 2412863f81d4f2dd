#!/usr/bin/env node
import { run } from "./run.js";

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
run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    if (settled) return;
    settled = true;
    process.exitCode = code;
  },
  failed,
);
