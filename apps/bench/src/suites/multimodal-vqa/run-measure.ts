/** Measuring a trained VQA model: accuracy (overall, per family, per question), routing, memory, latency. */
import { moduleCosts, RoutedLayer, tf } from '@moe-zoo/core';
import {
  evaluateVqa,
  moeLayerIndices,
  MoTELayer,
  QUESTION_TYPES,
  vqaBatch,
  type VqaSet,
  type VqaTransformer,
} from '@moe-zoo/multimodal';
import { settle, timeMedianAsync, type TimingLog } from '../../perf/timing';
import { mean, seedRunsRow, type SeedRun } from '../../stats';
import type { BenchRow } from '../../types';
import { LATENCY_BATCH } from './plan';
import { routingSignals } from './run-signals';

/** One measured model of one seed. */
export interface Measured extends SeedRun {
  paramsTotal: number;
  paramsActive: number;
  flops: number;
  /** Routing signals over training (`SignalRecorder`), recorded for the first seed only. */
  series?: Record<string, number[]>;
}

/** Median ms of a forward pass on the first {@link LATENCY_BATCH} test samples (eval mode). */
async function latencyMs(model: VqaTransformer, test: VqaSet, timing: TimingLog): Promise<number> {
  const idx = Int32Array.from({ length: Math.min(LATENCY_BATCH, test.n) }, (_, i) => i);
  const batch = vqaBatch(test, idx);
  model.eval();
  const run = () => settle(tf.tidy(() => model.forward(batch).logits));
  const ms = timing.add(await timeMedianAsync(run)).medianMs;
  tf.dispose([batch.image, batch.question, batch.answer].filter((t) => t !== undefined));
  return ms;
}

/** Expert memory (bytes) of the MoE layers of a model: FFN / experts, not routers. */
export function expertMemory(model: VqaTransformer): number {
  let bytes = 0;
  for (const l of moeLayerIndices(model.config.depth)) {
    const slot = model.blocks[l].ffn;
    if (slot instanceof MoTELayer) bytes += slot.expertBytes();
    else {
      const router = slot instanceof RoutedLayer ? (slot.router?.countParams() ?? 0) : 0;
      bytes += 4 * (slot.countParams() - router);
    }
  }
  return bytes;
}

/**
 * Evaluates `model` on `test` (the same questions in the same order for every arm of a seed):
 * accuracy with its per-question 1/0 outcomes, accuracy per question family, MaxVio over the last
 * quarter of training, the routing signals ({@link routingSignals}), costs and latency; `series`
 * (the first seed's signals over training) is kept as is.
 */
export async function measure(
  model: VqaTransformer,
  test: VqaSet,
  trainSeconds: number,
  maxVio: number[],
  timing: TimingLog,
  series?: Record<string, number[]>,
): Promise<Measured> {
  const ev = await evaluateVqa(model, test);
  const metrics: Record<string, number> = { accuracy: ev.accuracy };
  for (const t of QUESTION_TYPES) if (Number.isFinite(ev.byType[t])) metrics[`acc_${t}`] = ev.byType[t];
  if (maxVio.length) metrics.maxVio = mean(maxVio.slice(Math.floor(maxVio.length * 0.75)));
  Object.assign(metrics, await routingSignals(model, ev));
  const correct = Array.from(ev.predictions, (p, i) => (p === test.answer[i] ? 1 : 0));
  const { total, active } = moduleCosts(model);
  return {
    metrics,
    items: { accuracy: correct },
    paramsTotal: total,
    paramsActive: active,
    flops: model.flopsPerSample(),
    latencyMs: await latencyMs(model, test, timing),
    trainSeconds,
    ...(series ? { series } : {}),
  };
}

/** A digit-VQA leaderboard row from one arm's runs, one per seed in the order of the suite's seeds. */
export function rowOf(model: string, variant: string, runs: Measured[]): BenchRow {
  return seedRunsRow(
    {
      model,
      variant,
      task: 'digit-vqa',
      paramsTotal: runs[0].paramsTotal,
      paramsActive: runs[0].paramsActive,
      flopsPerSample: runs[0].flops,
    },
    runs,
    runs.find((r) => r.series)?.series,
  );
}
