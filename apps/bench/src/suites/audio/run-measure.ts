/** What the audio suite measures on a trained model: accuracy per clip and per SNR, latency, expert specialisation. */
import { DIGIT_WORDS, snrLabel, specialisation, type AudioEvaluation, type AudioSet } from '@moe-zoo/audio';
import { tf, usageByGroup, type TokenClassifier } from '@moe-zoo/core';
import { settle, timeMedianAsync, type SingleTiming } from '../../perf/timing';
import { LATENCY_BATCH, SHUFFLES } from './plan';

/** Accuracy of the clips whose SNR is `snr`. */
function accuracyAt(set: AudioSet, pred: Int32Array, snr: number): number {
  let n = 0;
  let ok = 0;
  for (let i = 0; i < set.n; i++) {
    if (set.snr[i] !== snr) continue;
    n++;
    if (pred[i] === set.y[i]) ok++;
  }
  return n ? ok / n : 0;
}

/** 1/0 per test clip (in the test set's order): whether the prediction was right. */
export function correctness(set: AudioSet, ev: AudioEvaluation): number[] {
  return Array.from(ev.predictions, (p, i) => (p === set.y[i] ? 1 : 0));
}

/** Overall accuracy and accuracy per SNR (`acc_clean`, `acc_20dB`, ...). */
export function accuracyMetrics(
  set: AudioSet,
  ev: AudioEvaluation,
  snrs: readonly number[],
): Record<string, number> {
  const m: Record<string, number> = { accuracy: ev.accuracy };
  for (const s of snrs) m[`acc_${snrLabel(s)}`] = accuracyAt(set, ev.predictions, s);
  return m;
}

/** Median ms of one forward pass of the first {@link LATENCY_BATCH} test clips, in eval mode. */
export async function latency(model: TokenClassifier, set: AudioSet): Promise<SingleTiming> {
  const n = Math.min(LATENCY_BATCH, set.n);
  const size = set.tokens * set.dims;
  const x = tf.tensor3d(set.x.slice(0, n * size), [n, set.tokens, set.dims]);
  const wasTraining = model.training;
  model.eval();
  const t = await timeMedianAsync(() => settle(tf.tidy(() => model.forward(x).logits)));
  if (wasTraining) model.train();
  x.dispose();
  return t;
}

/**
 * Expert specialisation of an MoE model on the test set, per digit and per SNR: the mean pairwise
 * TV distance between per-group usage distributions (`tvDigit`, `tvSnr`), the mean and the largest
 * of the same statistic over {@link SHUFFLES} label shuffles (`*Shuffled`, `*ShuffledMax`) and the
 * permutation p-value (`*P`); plus one note per grouping with the usage distributions.
 */
export function specialisationMetrics(
  set: AudioSet,
  usage: Float64Array,
  numExperts: number,
  seed: number,
): { metrics: Record<string, number>; notes: string[] } {
  const snrGroups = Array.from(set.snr, snrLabel);
  const d = specialisation(usage, numExperts, set.y, SHUFFLES, seed);
  const s = specialisation(usage, numExperts, snrGroups, SHUFFLES, seed);
  const fmtUsage = (g: Map<string, number[]>, name: (k: string) => string) =>
    [...g.entries()].map(([k, p]) => `${name(k)} [${p.map((v) => v.toFixed(2)).join(' ')}]`).join('; ');
  return {
    metrics: {
      tvDigit: d.tv,
      tvDigitShuffled: d.baselineMean,
      tvSnr: s.tv,
      tvSnrShuffled: s.baselineMean,
      tvDigitShuffledMax: d.baselineMax,
      tvDigitP: d.pValue,
      tvSnrShuffledMax: s.baselineMax,
      tvSnrP: s.pValue,
    },
    notes: [
      `seed ${seed} expert usage per SNR (E=${numExperts}, both MoE layers): ${fmtUsage(usageByGroup(usage, numExperts, snrGroups), (k) => k)}`,
      `seed ${seed} expert usage per digit: ${fmtUsage(usageByGroup(usage, numExperts, set.y), (k) => DIGIT_WORDS[Number(k)])}`,
    ],
  };
}
