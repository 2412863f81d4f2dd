/** Callee texts longer than this (a function literal called in place, `a()()()...`) are elided in the middle. */
const MAX_CALLEE_LENGTH = 200;

/**
 * The callee as rules match it: its source text without whitespace, read from the file text by
 * UTF-16 offsets (what both TypeScript and web-tree-sitter give for a JavaScript string). A long callee
 * keeps its first and last 100 characters around an ellipsis, so `endsWith(".Method")` still works and
 * the cost per call is bounded: nested calls' callees overlap, and copying each one whole is quadratic.
 */
export function calleeText(text: string, start: number, end: number): string {
  const half = MAX_CALLEE_LENGTH / 2;
  if (end - start <= 2 * MAX_CALLEE_LENGTH) {
    const whole = text.slice(start, end).replace(/\s+/g, "");
    if (whole.length <= MAX_CALLEE_LENGTH) return whole;
    return `${trimSurrogates(whole.slice(0, half))}…${trimSurrogates(whole.slice(-half))}`;
  }
  const head = text.slice(start, start + MAX_CALLEE_LENGTH).replace(/\s+/g, "").slice(0, half);
  const tail = text.slice(end - MAX_CALLEE_LENGTH, end).replace(/\s+/g, "").slice(-half);
  return `${trimSurrogates(head)}…${trimSurrogates(tail)}`;
}

/** Drops a half surrogate pair left at either end by a cut. */
function trimSurrogates(s: string): string {
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  const from = first >= 0xdc00 && first <= 0xdfff ? 1 : 0;
  const to = last >= 0xd800 && last <= 0xdbff ? s.length - 1 : s.length;
  return from === 0 && to === s.length ? s : s.slice(from, to);
}
