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
import { SignalRecorder } from './run-signals';

/** One seed's MoIIE grid: measurements by row variant, and the dense arm at the smallest size (the MoTE source). */
export interface MoiieSeed {
  measured: Map<string, Measured>;
  moteSource: VqaTransformer;
}

/**
 * Tunes every arm at every size of `plan` from `base` on prefixes of `trainAll`, each tested on
 * `test`; the first seed's routed arms trace their routing signals on the first training samples.
 */
export async function runMoiieGrid(
  ctx: SuiteContext,
  plan: VqaPlan,
  seed: number,
  data: { base: VqaTransformer; trainAll: VqaSet; test: VqaSet },
): Promise<MoiieSeed> {
  const minSize = Math.min(...plan.sizes);
  const measured = new Map<string, Measured>();
  let moteSource: VqaTransformer | undefined;
  const probe = takeVqa(data.trainAll, plan.probeSamples);
  for (const size of plan.sizes) {
    const train = takeVqa(data.trainAll, size);
    for (const arm of MOIIE_ARMS) {
      setSeed(seed * 100 + size);
      const model = upcycleArm(data.base, arm, {
        noise: plan.upcycleNoise,
        layers: plan.moeLayers,
        routerGain: plan.routerGain,
      });
      const steps = plan.epochs * Math.floor(size / plan.batchSize);
      const bar = ctx.progress(`vqa ${arm} n=${size} seed ${seed}`, steps);
      const trace =
        seed === ctx.seeds[0] && arm !== 'dense'
          ? new SignalRecorder(model, probe, Math.max(1, Math.ceil(steps / plan.probePoints)), steps)
          : undefined;
      await trace?.start();
      const r = await instructionTune(model, train, {
        batchSize: plan.batchSize,
        seed,
        epochs: plan.epochs,
        onStep: async (loss) => {
          await trace?.onStep();
          bar.tick(1, { loss: loss.toFixed(3) });
        },
      });
      bar.done();
      const seconds = r.seconds - (trace?.seconds ?? 0);
      const m = await measure(model, data.test, seconds, r.maxVio, ctx.timing, trace?.series);
      measured.set(moiieVariant(arm, size), m);
      ctx.log(
        `vqa ${arm} n=${size} seed ${seed}: accuracy ${m.metrics.accuracy.toFixed(3)} (${seconds.toFixed(1)} s)`,
      );
      if (arm === 'dense' && size === minSize) moteSource = model;
      else model.dispose();
    }
  }
  if (!moteSource) throw new Error('runMoiieGrid: the grid has no dense arm at the smallest size');
  return { measured, moteSource };
}
