/** What one trained model of the mome suite contributes to a seed's run: accuracies, overlaps, latency. */
import { tf } from '@moe-zoo/core';
import {
  avBatch,
  momeOverlap,
  rateKey,
  type AvModel,
  type AvRateEvaluation,
  type AvSet,
  type RatePair,
} from '@moe-zoo/multimodal';
import { settle, timeMedianAsync, type TimingLog } from '../../perf/timing';
import { accuracyMetric, LATENCY_BATCH, LATENCY_RATE } from './plan';
import { perSampleOverlap } from './run-overlap';

/** Metrics and per-test-sample items of one seed (merged into a `SeedRun`). */
export interface Outcomes {
  metrics: Record<string, number>;
  items: Record<string, number[]>;
}

/** Accuracy per rate pair ({@link accuracyMetric}), with 1/0 correctness per test sample as its items. */
export function rateOutcomes(
  evals: Record<string, AvRateEvaluation>,
  test: AvSet,
  rates: readonly RatePair[],
): Outcomes {
  const out: Outcomes = { metrics: {}, items: {} };
  for (const r of rates) {
    const e = evals[rateKey(r)];
    out.metrics[accuracyMetric(r)] = e.accuracy;
    out.items[accuracyMetric(r)] = Array.from(e.predictions, (p, i) => (p === test.y[i] ? 1 : 0));
  }
  return out;
}

/**
 * Jaccard overlap of experts across rates (`momeOverlap`) per modality, against the same positions
 * of another sample, with per-test-sample values as items.
 */
export function overlapOutcomes(evals: Record<string, AvRateEvaluation>, model: AvModel): Outcomes {
  const backbone = model.backbone.config;
  const total = momeOverlap(evals, backbone);
  const out: Outcomes = { metrics: {}, items: {} };
  for (const [modality, name] of [
    ['audio', 'jaccardAudio'],
    ['video', 'jaccardVideo'],
  ] as const) {
    const perSample = perSampleOverlap(evals, backbone, modality);
    out.metrics[name] = total[modality].aligned;
    out.metrics[`${name}OtherSample`] = total[modality].shuffled;
    out.items[name] = perSample.aligned;
    out.items[`${name}OtherSample`] = perSample.shuffled;
  }
  return out;
}

/** Median ms of one eval-mode forward of a batch at {@link LATENCY_RATE}, recorded in `timing`. */
export async function avLatency(model: AvModel, set: AvSet, timing: TimingLog): Promise<number> {
  const b = avBatch(
    set,
    Array.from({ length: LATENCY_BATCH }, (_, i) => i),
  );
  model.eval();
  const ms = timing.add(
    await timeMedianAsync(() => settle(tf.tidy(() => model.forward(b.audio, b.video, LATENCY_RATE).logits))),
  ).medianMs;
  model.train();
  tf.dispose([b.audio, b.video, b.y]);
  return ms;
}
