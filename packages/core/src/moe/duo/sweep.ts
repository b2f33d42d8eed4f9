import { tf } from '../../tf';
import type { RoutedLayer } from '../routed-layer';
import { duoPatterns, patternCompute, type DuoCosts } from './patterns';

/** A Duo layer as the sweep uses it: a routed layer that reports its choices' costs. */
export type DuoLayerLike = RoutedLayer & DuoCosts;

/**
 * Per-sample outcomes of one evaluation of a batch: `loss` (what the oracle minimises) and any
 * other per-sample values to carry along (e.g. `correct`, 1/0), all of the same length.
 */
export type DuoOutcomes = { loss: ArrayLike<number> } & Record<string, ArrayLike<number>>;

/**
 * Runs `run` with every call of each layer of `layers` forced to `pattern`'s choice for it (all
 * tokens of the call, through the router replay tap), then puts the layers' taps back.
 *
 * @example
 * ```ts
 * const logits = await withDuoPattern(layers, [DUO_BIG, DUO_BIG], () => model.forward(x).logits);
 * ```
 */
export async function withDuoPattern<T>(
  layers: readonly RoutedLayer[],
  pattern: readonly number[],
  run: () => T | Promise<T>,
): Promise<T> {
  if (pattern.length !== layers.length) {
    throw new Error(`withDuoPattern: a pattern of ${pattern.length} choices for ${layers.length} layers`);
  }
  const prior = layers.map((layer) => layer.routingTap);
  layers.forEach((layer, l) =>
    layer.setRoutingTap({
      ...prior[l],
      impose: (tokens) => tf.fill([tokens, 1], pattern[l], 'int32') as tf.Tensor2D,
    }),
  );
  try {
    return await run();
  } finally {
    layers.forEach((layer, l) => layer.setRoutingTap(prior[l]));
  }
}

/** Every pattern of a model evaluated on one batch. */
export interface DuoSweep {
  /** The 3^L patterns, in `duoPatterns` order. */
  patterns: number[][];
  /** Each pattern's compute (share of the big module's FLOPs in every layer). */
  compute: number[];
  /** Each pattern's per-sample outcomes (`loss` and whatever the evaluation returned), as arrays. */
  outcomes: Record<string, number[]>[];
}

/**
 * Evaluates every routing pattern of `layers` (3^L of them) on one batch: `evaluate` runs the
 * model once under the imposed pattern and returns per-sample outcomes. The same pattern applies
 * to every token of the batch in a call, so choosing a pattern per sample afterwards
 * ({@link selectDuoOracle}) is exact: a sample's outcome depends only on its own tokens' route.
 *
 * @example
 * ```ts
 * const sweep = await sweepDuoPatterns(layers, async () => ({ loss: await perSampleLoss(model, batch) }));
 * ```
 */
export async function sweepDuoPatterns(
  layers: readonly DuoLayerLike[],
  evaluate: () => DuoOutcomes | Promise<DuoOutcomes>,
): Promise<DuoSweep> {
  const patterns = duoPatterns(layers.length);
  const outcomes: Record<string, number[]>[] = [];
  for (const pattern of patterns) {
    const out = await withDuoPattern(layers, pattern, evaluate);
    const arrays = Object.fromEntries(Object.entries(out).map(([name, v]) => [name, Array.from(v)]));
    const n = arrays.loss.length;
    for (const [name, v] of Object.entries(arrays)) {
      if (v.length !== n) throw new Error(`sweepDuoPatterns: ${name} has ${v.length} samples, loss has ${n}`);
    }
    if (outcomes.length > 0 && n !== outcomes[0].loss.length) {
      throw new Error(
        `sweepDuoPatterns: pattern ${pattern} gave ${n} samples, the first gave ${outcomes[0].loss.length}`,
      );
    }
    outcomes.push(arrays);
  }
  return { patterns, compute: patterns.map((p) => patternCompute(layers, p)), outcomes };
}
