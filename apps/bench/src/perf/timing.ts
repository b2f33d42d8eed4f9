/** Median of a list of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall-clock milliseconds of one synchronous call. */
export function timeOnce(f: () => void): number {
  const start = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Times several functions round-robin (a, b, c, a, b, c, ...) after one warm-up call each, and
 * returns each one's median. Interleaving spreads slow phases of a shared machine over all
 * candidates, so ratios between them are far steadier than back-to-back loops.
 */
export function timeInterleaved(
  fns: Record<string, () => void>,
  reps: number,
  onRep?: () => void,
): Record<string, { medianMs: number; samples: number[] }> {
  const names = Object.keys(fns);
  for (const n of names) fns[n]();
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < reps; r++) {
    for (const n of names) samples[n].push(timeOnce(fns[n]));
    onRep?.();
  }
  return Object.fromEntries(names.map((n) => [n, { medianMs: median(samples[n]), samples: samples[n] }]));
}
