import { makePatchSet, makePhotoPairs, TEST_PHOTOS } from '@moe-zoo/restoration';
import type { Suite } from '../../types';
import { restorationArms } from './arms';
import { restorationClaims } from './claims';
import { restorationNotes } from './notes';
import { restorationPlan } from './plan';
import { runRestoration } from './run';
import { paramCounts } from './run-params';
import { pictureGrid } from './run-pictures';
import { tinyNote } from '../tiny';

/** The `restoration` suite: MoFME vs parallel-FFN MoE (vs dense) on synthetic all-weather patches of real photos. */
export const restorationSuite: Suite = {
  name: 'restoration',
  description:
    'All-weather restoration (rain / snow / haze / mixed on @stdlib photos): dense FFN, parallel-FFN MoE, MoFME (linear and vector FM) and MoFME + uncertainty-aware router, trained on 32x32 patches, scored on 1000 test patches and on whole held-out photos (full resolution in full mode); routing vs weather type',
  async run(ctx) {
    const plan = restorationPlan(ctx.quick, ctx.tiny);
    const train = makePatchSet({ split: 'train', n: plan.trainPatches, seed: 0 });
    const test = makePatchSet({ split: 'test', n: plan.testPatches, seed: 0 });
    const photos = await makePhotoPairs({
      photos: TEST_PHOTOS.slice(0, plan.photos),
      ...(plan.photoScale ? { downscaleFactor: plan.photoScale } : {}),
    });
    const data = { train, test, photos };
    const run = await runRestoration(ctx, plan, restorationArms(plan), data);
    const params = paramCounts();
    return {
      rows: run.rows,
      claims: restorationClaims(run.rows, { params, latencyIdle: run.latency?.idle ?? false }),
      mainMetrics: [
        'psnr',
        'inputPsnr',
        'photoPsnr',
        'photoInputPsnr',
        'ssim',
        'routeWeatherNmi',
        'latencyMs_dense',
      ],
      series: run.series,
      figures: [pictureGrid(data.photos, run.pictured)],
      notes: [
        ...(ctx.tiny
          ? [
              tinyNote(
                `${plan.trainPatches} / ${plan.testPatches} train / test patches, ${plan.epochs} epoch, whole photos downscaled ${plan.photoScale}x, ${plan.latencyReps} timing rounds`,
              ),
            ]
          : []),
        ...restorationNotes({ plan, seeds: ctx.seeds, params, failed: run.failed }),
      ],
    };
  },
};
