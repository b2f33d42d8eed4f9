/**
 * The compression suite's loop: per zoo model and seed, calibration tokens of every MoE layer,
 * then every variant put in place of the layers, scored on the same test items, and taken out.
 */
import { evaluateInBatches, moduleCosts, tf, type FfnSlot } from '@moe-zoo/core';
import { seedRunsRow, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext } from '../../types';
import { captureMoeInputs } from './capture';
import type { CompressionPlan } from './plan';
import type { ZooTask } from './tasks';
import { calibrate, FLOAT, type LayerCalibration, type Variant } from './variants';

/** Bytes of the model's weights as stored: 4 per parameter (every variant here keeps float32 weights). */
function storedBytes(task: ZooTask): number {
  return moduleCosts(task.model).total * 4;
}

/** Per-item correctness of the model on the task's test items. */
function correctness(task: ZooTask): number[] {
  const n = task.testLabels.length;
  const predictions = evaluateInBatches(task.model, n, 250, ({ indices }) => {
    const x = task.testInputs(indices);
    return Array.from(tf.argMax(task.model.forward(x).logits, -1).dataSync());
  }).flat();
  return predictions.map((p, i) => (p === task.testLabels[i] ? 1 : 0));
}

interface Measured {
  run: SeedRun;
  total: number;
  active: number;
  flops: number;
}

/** Puts each layer's variant in place, measures, puts the trained layers back and frees the copies. */
async function measure(
  task: ZooTask,
  layers: { blockIndex: number; c: LayerCalibration }[],
  v: Variant,
): Promise<Measured> {
  const slots: FfnSlot[] = [];
  for (const { blockIndex, c } of layers) {
    const slot = await v.build(c);
    slots.push(slot);
    task.model.blocks[blockIndex].replaceFfn(slot);
  }
  try {
    const costs = moduleCosts(task.model);
    const moe = slots.map((slot) => moduleCosts(slot));
    const items = correctness(task);
    const accuracy = items.reduce((a, b) => a + b, 0) / items.length;
    return {
      run: {
        metrics: {
          accuracy,
          storedKB: storedBytes(task) / 1024,
          moeParams: moe.reduce((s, c) => s + c.total, 0),
          moeActive: moe.reduce((s, c) => s + c.active, 0),
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
        const m = await measure(task, layers, v);
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
  return variants.map((v, i) => {
    const last = runs[i][runs[i].length - 1];
    const seedRuns = runs[i].map((m, s) => ({
      ...m.run,
      metrics: { ...m.run.metrics, keptQuality: m.run.metrics.accuracy / floatAccuracy[s] },
    }));
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
}
