/**
 * The compression suite's loop: per zoo model and seed, calibration tokens of every MoE layer,
 * then every variant put in place of the layers, scored on the same test items, and taken out.
 */
import {
  evaluateInBatchesAsync,
  initBackend,
  moduleCosts,
  moduleStoredBytes,
  EntropyCodedTernaryExperts,
  RoutedLayer,
  recordRouting,
  routingFlips,
  tf,
  type FfnSlot,
  type RoutingTrace,
  type TokenClassifier,
} from '@moe-zoo/core';
import { seedRunsRow, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext } from '../../types';
import { captureMoeInputs } from './capture';
import { DENSE_REFERENCE_BYTES_OF, denseReference, denseVariantName, denseWidthFor } from './dense-reference';
import type { CompressionPlan } from './plan';
import type { ZooTask } from './tasks';
import { calibrate, FLOAT, type LayerCalibration, type Variant } from './variants';

/** Per-item correctness of `model` (default the task's) on the task's test items (read back with `await data()`: any backend). */
async function correctness(task: ZooTask, model: TokenClassifier = task.model): Promise<number[]> {
  const n = task.testLabels.length;
  const batches = await evaluateInBatchesAsync(model, n, 250, async ({ indices }) => {
    const x = task.testInputs(indices);
    return Array.from(await tf.argMax(model.forward(x).logits, -1).data());
  });
  const predictions = batches.flat();
  return predictions.map((p, i) => (p === task.testLabels[i] ? 1 : 0));
}

/** Test items whose routing is recorded to count flips against the float model's. */
const FLIP_ITEMS = 256;

/** The experts every routed layer chose for the first {@link FLIP_ITEMS} test items. */
async function routingTrace(task: ZooTask): Promise<RoutingTrace> {
  const n = Math.min(FLIP_ITEMS, task.testLabels.length);
  const x = task.testInputs(Array.from({ length: n }, (_, i) => i));
  try {
    const { trace } = await recordRouting(task.model, () => {
      tf.tidy(() => {
        task.model.forward(x);
      });
    });
    return trace;
  } finally {
    x.dispose();
  }
}

interface Measured {
  run: SeedRun;
  total: number;
  active: number;
  flops: number;
  trace: RoutingTrace;
}

/**
 * Puts each layer's variant in place (on the variant's backend), measures, puts the trained layers
 * back and frees the copies. Routing flips are counted against `reference` (the float model's
 * trace) when the variant keeps the expert ids.
 */
async function measure(
  ctx: SuiteContext,
  task: ZooTask,
  layers: { blockIndex: number; c: LayerCalibration }[],
  v: Variant,
  reference: RoutingTrace | undefined,
): Promise<Measured> {
  if (v.backend) await initBackend({ backend: v.backend });
  const slots: FfnSlot[] = [];
  for (const { blockIndex, c } of layers) {
    const slot = await v.build(c);
    slots.push(slot);
    task.model.blocks[blockIndex].replaceFfn(slot);
  }
  try {
    const costs = moduleCosts(task.model);
    const moe = slots.map((slot) => moduleCosts(slot));
    const moeBytes = slots.reduce((sum, slot) => sum + moduleStoredBytes(slot), 0);
    const coded = slots.flatMap((slot) =>
      slot instanceof RoutedLayer && slot.experts instanceof EntropyCodedTernaryExperts
        ? [slot.experts.codeBitsPerWeight()]
        : [],
    );
    const items = await correctness(task);
    const accuracy = items.reduce((a, b) => a + b, 0) / items.length;
    const trace = await routingTrace(task);
    const flips: Record<string, number> =
      reference && v.sameExperts ? { routingFlips: routingFlips(reference, trace).share } : {};
    return {
      trace,
      run: {
        metrics: {
          accuracy,
          storedKB: moduleStoredBytes(task.model) / 1024,
          moeBitsPerParam: (8 * moeBytes) / moe.reduce((sum, c) => sum + c.total, 0),
          moeParams: moe.reduce((s, c) => s + c.total, 0),
          moeActive: moe.reduce((s, c) => s + c.active, 0),
          ...flips,
          ...(coded.length ? { codeBitsPerWeight: coded.reduce((a, b) => a + b, 0) / coded.length } : {}),
        },
        items: { accuracy: items },
        latencyMs: 0,
        trainSeconds: 0,
      },
      total: costs.total,
      active: costs.active,
      flops: task.model.flopsPerSample(),
    };
  } finally {
    layers.forEach(({ blockIndex, c }, i) => {
      task.model.blocks[blockIndex].replaceFfn(c.layer);
      if (slots[i] !== c.layer) slots[i].dispose();
    });
    if (v.backend) await initBackend({ backend: ctx.backend.name, threads: ctx.backend.threads });
  }
}

/** Rows of every variant of `task` over the suite's seeds (the calibration sample is the seed's). */
export async function runTask(
  ctx: SuiteContext,
  plan: CompressionPlan,
  task: ZooTask,
  variants: readonly Variant[],
): Promise<BenchRow[]> {
  if (variants[0] !== FLOAT) throw new Error('compression: the float reference must be the first variant');
  const runs = variants.map((): Measured[] => []);
  for (const seed of ctx.seeds) {
    const inputs = task.calibrationInputs(seed, plan.calibrationSamples);
    const captured = captureMoeInputs(task.model, inputs);
    inputs.dispose();
    const layers = [];
    for (const { blockIndex, layer, tokens } of captured)
      layers.push({ blockIndex, c: await calibrate(layer, tokens) });
    const bar = ctx.progress(`compression ${task.name} seed ${seed}`, variants.length);
    try {
      for (const [i, v] of variants.entries()) {
        const m = await measure(ctx, task, layers, v, i === 0 ? undefined : runs[0].at(-1)?.trace);
        runs[i].push(m);
        bar.tick(1, { variant: v.name });
        ctx.log(
          `compression ${task.name} ${v.name} seed ${seed}: accuracy ${m.run.metrics.accuracy.toFixed(4)}, ${m.run.metrics.storedKB.toFixed(1)} KB, ${m.active} active params`,
        );
      }
    } finally {
      bar.done();
      tf.dispose(captured.map((c) => c.tokens));
    }
  }
  const floatAccuracy = runs[0].map((m) => m.run.metrics.accuracy);
  const keptQuality = (run: SeedRun, s: number): SeedRun => ({
    ...run,
    metrics: { ...run.metrics, keptQuality: run.metrics.accuracy / floatAccuracy[s] },
  });
  const rows = variants.map((v, i) => {
    const last = runs[i][runs[i].length - 1];
    const seedRuns = runs[i].map((m, s) => keptQuality(m.run, s));
    return seedRunsRow(
      {
        model: task.name,
        variant: v.name,
        task: task.modality,
        paramsTotal: last.total,
        paramsActive: last.active,
        flopsPerSample: last.flops,
      },
      seedRuns,
    );
  });
  const target = variants.findIndex((v) => v.name === DENSE_REFERENCE_BYTES_OF);
  if (target < 0) return rows;
  const bytes = Math.min(...runs[target].map((m) => m.run.metrics.storedKB * 1024));
  const hidden = denseWidthFor(task, bytes);
  const dense = await denseReference(ctx, task, hidden, { train: plan.trainDenseReference });
  if (!dense) {
    ctx.log(
      `compression ${task.name} ${denseVariantName(hidden)}: not in the cache and not trained at these sizes, left out`,
    );
    return rows;
  }
  try {
    const items = await correctness(task, dense.model);
    const run: SeedRun = {
      metrics: {
        accuracy: items.reduce((a, b) => a + b, 0) / items.length,
        storedKB: moduleStoredBytes(dense.model) / 1024,
      },
      items: { accuracy: items },
      latencyMs: 0,
      trainSeconds: dense.trainSeconds,
    };
    ctx.log(
      `compression ${task.name} dense-${dense.hidden}${dense.cached ? ' (cached)' : ''}: accuracy ${run.metrics.accuracy.toFixed(4)}, ${run.metrics.storedKB.toFixed(1)} KB`,
    );
    // One trained dense model, the same on every seed (seeds vary only the calibration sample).
    const seedRuns = ctx.seeds.map((_, s) => keptQuality(run, s));
    const costs = moduleCosts(dense.model);
    rows.push(
      seedRunsRow(
        {
          model: task.name,
          variant: denseVariantName(dense.hidden),
          task: task.modality,
          paramsTotal: costs.total,
          paramsActive: costs.active,
          flopsPerSample: dense.model.flopsPerSample(),
        },
        seedRuns,
      ),
    );
  } finally {
    dense.model.dispose();
  }
  return rows;
}
