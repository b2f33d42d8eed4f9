import { makePatchSet } from '@moe-zoo/restoration';
import type { Suite } from '../../types';
import { restorationArms } from './arms';
import { restorationClaims } from './claims';
import { restorationNotes } from './notes';
import { PICTURES_PER_TYPE, restorationPlan } from './plan';
import { runRestoration } from './run';
import { paramCounts } from './run-params';
import { pictureGrid, pictureIndices } from './run-pictures';

/** The `restoration` suite: MoFME vs parallel-FFN MoE (vs dense) on synthetic all-weather patches of real photos. */
export const restorationSuite: Suite = {
  name: 'restoration',
  description:
    'All-weather restoration (rain / snow / haze / mixed on @stdlib photos, 32x32 patches): dense FFN, parallel-FFN MoE, MoFME (linear and vector FM) and MoFME + uncertainty-aware router; full mode also sweeps E and k',
  async run(ctx) {
    const plan = restorationPlan(ctx.quick);
    const train = makePatchSet({ split: 'train', n: plan.trainPatches, seed: 0 });
    const test = makePatchSet({ split: 'test', n: plan.testPatches, seed: 0 });
    const data = { train, test, pictureIdx: pictureIndices(test, PICTURES_PER_TYPE) };
    const run = await runRestoration(ctx, plan, restorationArms(plan), data);
    const params = paramCounts();
    return {
      rows: run.rows,
      claims: restorationClaims(run.rows, { params, latencyIdle: run.latency?.idle ?? false }),
      mainMetrics: ['psnr', 'ssim', 'inputPsnr', 'routeTaskInfo', 'latencyMs_dense', 'latencyMs_sorted'],
      series: run.series,
      figures: [pictureGrid(test, data.pictureIdx, run.pictured)],
      notes: restorationNotes({ plan, seeds: ctx.seeds, params, failed: run.failed }),
    };
  },
};
