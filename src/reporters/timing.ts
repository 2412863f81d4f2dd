import type { RunResult } from "../model/finding.js";

/** How many rules and loaders `--timing` lists, like ESLint's TIMING (default 10). */
const SHOWN = 10;

/** `--timing`: where the scan's time went, slowest first; printed to stderr beside any report. */
export function renderTiming(result: RunResult): string {
  const timing = result.stats.timing;
  if (!timing) return "Timing: not recorded for this run.\n";
  const total = result.stats.durationMs;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(9);
  const share = (ms: number) => (total > 0 ? `${((100 * ms) / total).toFixed(1)}%` : "-").padStart(7);
  const files = Object.values(result.stats.filesByKind).reduce((sum, n) => sum + n, 0);
  const perSecond = total > 0 ? Math.round((files * 1000) / total) : 0;
  const lines = [
    `Timing: ${seconds(total).trim()} wall, ${files} files (${perSecond} files/s), peak RSS ${Math.round(timing.peakRssBytes / 1_048_576)} MB`,
    `  ${"discovery".padEnd(36)}${seconds(timing.discoveryMs)}${share(timing.discoveryMs)}`,
  ];
  const table = (title: string, rows: { label: string; ms: number }[]) => {
    lines.push(`  ${title}`);
    for (const row of rows.slice(0, SHOWN)) lines.push(`    ${row.label.padEnd(34)}${seconds(row.ms)}${share(row.ms)}`);
    if (rows.length > SHOWN) {
      const rest = rows.slice(SHOWN).reduce((sum, r) => sum + r.ms, 0);
      lines.push(`    ${`(${rows.length - SHOWN} more)`.padEnd(34)}${seconds(rest)}${share(rest)}`);
    }
  };
  if (timing.goThreads) {
    lines.push(`  Go files in ${timing.goThreads} worker thread${timing.goThreads === 1 ? "" : "s"}: their reading, parsing and rule times are summed over the threads`);
  }
  table("loaders (parsing, reading)", timing.loaders.map((l) => ({ label: l.name, ms: l.ms })));
  table("rules (own work, loading excluded)", timing.rules.map((r) => ({ label: r.id, ms: r.ms })));
  return lines.join("\n") + "\n";
}
