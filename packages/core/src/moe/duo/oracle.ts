import { sweepDuoPatterns, type DuoLayerLike, type DuoOutcomes, type DuoSweep } from './sweep';

/** Which patterns the oracle may choose. */
export interface DuoOracleOptions {
  /** The most compute a sample's pattern may use (share of the big module in every layer; default 1: no budget). */
  maxCompute?: number;
  /** Only patterns this accepts are searched (e.g. the big module in exactly one layer). */
  allowed?: (pattern: readonly number[]) => boolean;
}

/** The oracle's choice for every sample of the batch. */
export interface DuoOracleResult {
  /** Per sample: the index of its pattern in the sweep's `patterns`. */
  best: number[];
  /** Per sample: its pattern (one choice per layer: 0 skip, 1 small, 2 big). */
  pattern: number[][];
  /** Per sample: its loss under that pattern. */
  loss: number[];
  /** Per sample: the pattern's compute. */
  compute: number[];
  /** Per sample: every outcome the evaluation returned, under the sample's pattern. */
  outcomes: Record<string, number[]>;
}

/**
 * Duo-LLM's oracle over a sweep: per sample, the pattern of lowest loss among those allowed and
 * within the compute budget (ties: the cheaper pattern, then the earlier one). It reads the
 * samples' labels through their losses, so it bounds what any router could reach on the same
 * model rather than being one.
 *
 * @example
 * ```ts
 * const oracle = selectDuoOracle(sweep, { maxCompute: 0.5 });
 * oracle.loss; // per sample, never above its loss under any allowed pattern
 * ```
 */
export function selectDuoOracle(sweep: DuoSweep, options: DuoOracleOptions = {}): DuoOracleResult {
  const budget = options.maxCompute ?? 1;
  const candidates = sweep.patterns
    .map((_, i) => i)
    .filter((i) => sweep.compute[i] <= budget + 1e-12 && (options.allowed?.(sweep.patterns[i]) ?? true));
  if (candidates.length === 0) {
    throw new Error(`selectDuoOracle: no pattern is allowed within compute ${budget}`);
  }
  const samples = sweep.outcomes[0]?.loss.length ?? 0;
  const best: number[] = [];
  for (let s = 0; s < samples; s++) {
    let pick = candidates[0];
    for (const i of candidates) {
      const loss = sweep.outcomes[i].loss[s];
      const current = sweep.outcomes[pick].loss[s];
      if (loss < current || (loss === current && sweep.compute[i] < sweep.compute[pick])) pick = i;
    }
    best.push(pick);
  }
  const names = Object.keys(sweep.outcomes[0] ?? {});
  return {
    best,
    pattern: best.map((i) => [...sweep.patterns[i]]),
    loss: best.map((i, s) => sweep.outcomes[i].loss[s]),
    compute: best.map((i) => sweep.compute[i]),
    outcomes: Object.fromEntries(names.map((n) => [n, best.map((i, s) => sweep.outcomes[i][n][s])])),
  };
}

/**
 * Duo-LLM's exhaustive oracle on one batch: every one of the 3^L patterns of `layers` is
 * evaluated (`evaluate` runs the model once under an imposed pattern and returns per-sample
 * outcomes) and each sample gets the pattern of lowest loss allowed by `options`. Per sample, not
 * per token: all tokens of a sample take the pattern's choice in a layer, the natural unit for a
 * classifier whose loss is per sample (the paper's per-token oracle is this with one-token
 * samples).
 *
 * @example
 * ```ts
 * const layers = model.blocks.map((b) => b.ffn as DuoFfn);
 * const oracle = await duoOracle(layers, async () => ({ loss: await perSampleLoss(model, batch) }), {
 *   maxCompute: 0.4,
 * });
 * oracle.pattern[0]; // e.g. [2, 1, 0]: big, small, skip for the first sample
 * ```
 */
export async function duoOracle(
  layers: readonly DuoLayerLike[],
  evaluate: () => DuoOutcomes | Promise<DuoOutcomes>,
  options: DuoOracleOptions = {},
): Promise<DuoOracleResult> {
  return selectDuoOracle(await sweepDuoPatterns(layers, evaluate), options);
}
