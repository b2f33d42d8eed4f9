/** Stage 2 of one seed: up-cycle the base into every MoIIE-grid arm and instruction-tune it at every training-set size. */
import { setSeed } from '@moe-zoo/core';
import {
  instructionTune,
  MOIIE_ARMS,
  takeVqa,
  upcycleArm,
  type VqaSet,
  type VqaTransformer,
} from '@moe-zoo/multimodal';
import type { SuiteContext } from '../../types';
import { moiieVariant } from './arms';
import type { VqaPlan } from './plan';
import { measure, type Measured } from './run-measure';

/** One seed's MoIIE grid: measurements by row variant, and the dense arm at the largest size (the MoTE source). */
export interface MoiieSeed {
  measured: Map<string, Measured>;
  denseAtMax: VqaTransformer;
}

/** Tunes every arm at every size of `plan` from `base` on prefixes of `trainAll`, each tested on `test`. */
export async function runMoiieGrid(
  ctx: SuiteContext,
  plan: VqaPlan,
  seed: number,
  data: { base: VqaTransformer; trainAll: VqaSet; test: VqaSet },
): Promise<MoiieSeed> {
  const maxSize = Math.max(...plan.sizes);
  const measured = new Map<string, Measured>();
  let denseAtMax: VqaTransformer | undefined;
  for (const size of plan.sizes) {
    const train = takeVqa(data.trainAll, size);
    for (const arm of MOIIE_ARMS) {
      setSeed(seed * 100 + size);
      const model = upcycleArm(data.base, arm);
      const bar = ctx.progress(
        `vqa ${arm} n=${size} seed ${seed}`,
        plan.epochs * Math.floor(size / plan.batchSize),
      );
      const r = await instructionTune(model, train, {
        batchSize: plan.batchSize,
        seed,
        epochs: plan.epochs,
        onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
      });
      bar.done();
      const m = measure(model, data.test, r.seconds, r.maxVio, ctx.timing);
      measured.set(moiieVariant(arm, size), m);
      ctx.log(
        `vqa ${arm} n=${size} seed ${seed}: accuracy ${m.metrics.accuracy.toFixed(3)} (${r.seconds.toFixed(1)} s)`,
      );
      if (arm === 'dense' && size === maxSize) denseAtMax = model;
      else model.dispose();
    }
  }
  if (!denseAtMax) throw new Error('runMoiieGrid: the grid has no dense arm at the largest size');
  return { measured, denseAtMax };
}
