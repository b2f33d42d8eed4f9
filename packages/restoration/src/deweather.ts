/**
 * The deweathering model people use on their photos: the best MoFME arm of the bench, larger and
 * trained longer, checkpointing as it goes, then scored on the held-out test patches and on the
 * whole held-out photos degraded by each weather type, and saved with its training record
 * (`moe-train-deweather` and `npm run zoo -- mofme-deweather` run it).
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  LIMITS,
  MAX_BATCH_SIZE,
  MAX_EPOCHS,
  MAX_LEARNING_RATE,
  setSeed,
  startBackend,
  type CommonFlags,
} from '@moe-zoo/core';
import { z } from 'zod';
import { makePatchSet } from './data';
import { composeGrid } from './grid';
import { encodeImage } from './image-io';
import { RestorationNet, type RestorationConfigInput } from './model';
import { saveRestorationModel } from './model-files';
import { evaluatePhotos, makePhotoPairs, photoCropRows } from './photos';
import { evaluateRestoration, RestorationLossSchema, trainRestoration, type TaskScores } from './train';

/** The part of each whole test photo shown in `photo-crops.png` (full-resolution pixels). */
const PHOTO_CROP = { x: 380, y: 200, width: 160, height: 120 };

/** Options of the training command (zod: the flags, their defaults and their limits). */
export const TrainDeweatherOptionsSchema = z.strictObject({
  out: z.string().min(1),
  patches: z.coerce.number().int().min(64).max(1_000_000).default(8192),
  epochs: z.coerce.number().int().min(1).max(MAX_EPOCHS).default(12),
  batchSize: z.coerce.number().int().min(1).max(MAX_BATCH_SIZE).default(32),
  lr: z.coerce.number().positive().max(MAX_LEARNING_RATE).default(1e-3),
  dim: z.coerce.number().int().min(1).max(LIMITS.dim).default(64),
  channels: z.coerce.number().int().min(1).max(LIMITS.channels).default(24),
  depth: z.coerce.number().int().min(1).max(LIMITS.depth).default(2),
  experts: z.coerce.number().int().min(2).max(LIMITS.numExperts).default(8),
  topK: z.coerce.number().int().min(1).max(LIMITS.numExperts).default(2),
  modulation: z.enum(['linear', 'vector']).default('linear'),
  auxLoss: z.coerce.number().min(0).default(0.01),
  loss: RestorationLossSchema.default('mse'),
  seed: z.coerce.number().int().min(0).default(0),
  testPatches: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Box-downscaling of the whole test photos scored at the end (1 = full resolution). */
  photoScale: z.coerce.number().int().min(1).max(64).default(1),
});
export type TrainDeweatherOptions = z.output<typeof TrainDeweatherOptionsSchema>;

/** The net the command trains: MoFME in every block, the router of the released code. */
export function deweatherConfig(o: TrainDeweatherOptions): RestorationConfigInput {
  return {
    dim: o.dim,
    channels: o.channels,
    depth: o.depth,
    ffn: {
      kind: 'mofme',
      // Sorted dispatch runs only the k chosen FM experts: the same outputs as dense, fewer FLOPs.
      mofme: {
        numExperts: o.experts,
        topK: o.topK,
        modulation: o.modulation,
        auxLoss: o.auxLoss,
        dispatch: 'sorted',
      },
    },
  };
}

const round = (s: TaskScores) => ({
  psnr: +s.psnr.toFixed(3),
  ssim: +s.ssim.toFixed(4),
  inputPsnr: +s.inputPsnr.toFixed(3),
  inputSsim: +s.inputSsim.toFixed(4),
  n: s.n,
});
const table = (byTask: Record<string, TaskScores>) =>
  Object.fromEntries(Object.entries(byTask).map(([k, s]) => [k, round(s)]));

/**
 * Trains, evaluates and saves; returns the saved training record. Starts the backend that
 * `backendFlags` ask for (`--backend`, `--threads`) and writes its log lines to `log`.
 */
export async function trainDeweather(
  o: TrainDeweatherOptions,
  backendFlags: CommonFlags = {},
  log: (line: string) => void = console.log,
): Promise<Record<string, unknown>> {
  const backend = await startBackend(backendFlags);
  const checkpointDir = path.join(o.out, 'checkpoint');
  const resume = fs.existsSync(path.join(checkpointDir, 'manifest.json'));
  const train = makePatchSet({ split: 'train', n: o.patches, seed: o.seed });
  const test = makePatchSet({ split: 'test', n: o.testPatches, seed: 0 });
  setSeed(o.seed);
  const net = new RestorationNet(deweatherConfig(o));
  const steps = o.epochs * Math.floor(train.n / o.batchSize);
  log(
    `${resume ? 'resuming' : 'training'} ${net.countParams()} parameters, ${steps} steps of ${o.batchSize} patches on ${backend.name} x${backend.threads}`,
  );
  let last = Date.now();
  const run = await trainRestoration({
    model: net,
    train,
    epochs: o.epochs,
    batchSize: o.batchSize,
    lr: o.lr,
    seed: o.seed,
    loss: o.loss,
    checkpointDir,
    checkpointEvery: 200,
    resumeFrom: resume ? checkpointDir : undefined,
    onStep: (step, loss, info) => {
      if (Date.now() - last > 30_000 || step === steps) {
        last = Date.now();
        const vio = info.routing ? `, MaxVio ${info.routing.maxVio.toFixed(2)}` : '';
        log(`step ${step}/${steps}: ${o.loss} ${loss.toFixed(4)}${vio}`);
      }
    },
  });
  const patches = await evaluateRestoration(net, test);
  const pairs = await makePhotoPairs({ downscaleFactor: o.photoScale });
  const photos = await evaluatePhotos(net, pairs);
  const record = {
    command: `moe-train-deweather ${Object.entries(o)
      .map(([k, v]) => `--${k} ${v}`)
      .join(' ')}`,
    options: o,
    backend: `${backend.name} x${backend.threads}`,
    params: net.countParams(),
    steps,
    trainSeconds: Math.round(run.trainSeconds),
    finishedAt: new Date().toISOString(),
    testPatches: table(patches.byTask),
    wholePhotos: table(photos.byTask),
  };
  await saveRestorationModel(o.out, net, { training: record });
  const rows = photoCropRows(pairs, [photos.restored], PHOTO_CROP);
  fs.writeFileSync(
    path.join(o.out, 'photo-crops.png'),
    encodeImage(composeGrid(rows, { scale: 2, gap: 4 }), 'png'),
  );
  fs.rmSync(checkpointDir, { recursive: true, force: true });
  for (const [w, s] of Object.entries(photos.byTask)) {
    log(
      `whole photos ${w}: ${s.inputPsnr.toFixed(2)} -> ${s.psnr.toFixed(2)} dB (${(s.psnr - s.inputPsnr).toFixed(2)})`,
    );
  }
  net.dispose();
  return record;
}
