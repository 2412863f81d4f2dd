/**
 * GitHub code scanning's `primaryLocationLineHash`, computed exactly as github/codeql-action's
 * `fingerprints.ts` does, so that an alert keeps its identity when lines above it move. A rolling hash over
 * the first 100 characters from the start of each line, skipping spaces and tabs, with line endings
 * normalised to "\n"; identical hashes in one file are told apart by a ":<n>" occurrence counter.
 * This reads files, so it lives with the loaders; the SARIF reporter only copies the values it is given.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const TAB = 9;
const SPACE = 32;
const LF = 10;
const CR = 13;
const END_OF_FILE = 65535;
const BLOCK_SIZE = 100;
const MOD = 37n;
const FIRST_MOD = MOD ** BigInt(BLOCK_SIZE);
const U64 = (value: bigint) => BigInt.asUintN(64, value);

/** Calls `onLine(line, hash)` for every line of `text` (1-based), in order. */
export function hashLines(text: string, onLine: (line: number, hash: string) => void): void {
  const window = new Array<number>(BLOCK_SIZE).fill(0);
  // For each window slot: the line that starts at that character, or -1.
  const lineNumbers = new Array<number>(BLOCK_SIZE).fill(-1);
  const counts = new Map<string, number>();
  let hash = 0n;
  let index = 0;
  let lineNumber = 0;
  let lineStart = true;
  let previousCr = false;

  const output = () => {
    const value = hash.toString(16);
    const count = (counts.get(value) ?? 0) + 1;
    counts.set(value, count);
    onLine(lineNumbers[index]!, `${value}:${count}`);
    lineNumbers[index] = -1;
  };
  const update = (current: number) => {
    const begin = window[index]!;
    window[index] = current;
    hash = U64(MOD * hash + BigInt(current) - FIRST_MOD * BigInt(begin));
    index = (index + 1) % BLOCK_SIZE;
  };
  const processCharacter = (code: number) => {
    if (code === SPACE || code === TAB || (previousCr && code === LF)) {
      previousCr = false;
      return;
    }
    let current = code;
    if (current === CR) {
      current = LF;
      previousCr = true;
    } else {
      previousCr = false;
    }
    if (lineNumbers[index] !== -1) output();
    if (lineStart) {
      lineStart = false;
      lineNumber++;
      lineNumbers[index] = lineNumber;
    }
    if (current === LF) lineStart = true;
    update(current);
  };

  for (let i = 0; i < text.length; i++) processCharacter(text.charCodeAt(i));
  processCharacter(END_OF_FILE);
  for (let i = 0; i < BLOCK_SIZE; i++) {
    if (lineNumbers[index] !== -1) output();
    update(0);
  }
}

/**
 * The line hash of each requested line of each file (paths relative to `repoRoot`). A file that cannot be
 * read simply gets no hashes: GitHub then falls back to its own matching, which is what codeql-action does.
 */
export function lineHashes(repoRoot: string, wanted: ReadonlyMap<string, ReadonlySet<number>>): Map<string, Map<number, string>> {
  const hashes = new Map<string, Map<number, string>>();
  for (const [file, lines] of wanted) {
    let text: string;
    try {
      text = readFileSync(path.join(repoRoot, file), "utf8");
    } catch {
      continue;
    }
    const byLine = new Map<number, string>();
    hashLines(text, (line, hash) => {
      if (lines.has(line)) byLine.set(line, hash);
    });
    hashes.set(file, byLine);
  }
  return hashes;
}
