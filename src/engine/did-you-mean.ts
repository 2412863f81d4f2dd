/** Suggestions for mistyped rule ids and keys, in configuration files and suppression comments. */

/** `; did you mean "x"?` for the closest candidate within a small edit distance, else "". */
export function didYouMean(input: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  // A tail match ("base-image-pinned" for "docker/base-image-pinned") counts as close too.
  const tail = candidates.find((c) => c.endsWith(`/${input}`));
  if (tail) return `; did you mean "${tail}"?`;
  // A prefix ("warn" for "warning") too, as ESLint users write "warn".
  const prefix = input.length >= 3 ? candidates.find((c) => c.startsWith(input)) : undefined;
  if (prefix) return `; did you mean "${prefix}"?`;
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(input.length / 4)) ? `; did you mean "${best}"?` : "";
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
