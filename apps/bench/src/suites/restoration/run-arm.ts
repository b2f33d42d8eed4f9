/** Training and evaluation of one restoration arm over its seeds: rows with per-seed and per-patch outcomes. */
import { setSeed, usageByGroup, type LabelPermutation } from '@moe-zoo/core';
import {
  cropToBox,
  evaluatePhotos,
  evaluateRestoration,
  FfnSlotSchema,
  RestorationNet,
  trainRestoration,
  weatherRoutingTest,
  WEATHER_TYPES,
  type PatchSet,
  type PhotoEvaluation,
  type PhotoPair,
  type RestorationEval,
  type RestorationFfnConfigInput,
  type RgbImage,
} from '@moe-zoo/restoration';
import { seedRunsRow, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext, SuiteSeries } from '../../types';
import { maxVioCeiling, type Arm } from './arms';
import {
  BALANCE_EVERY,
  BATCH_SIZE,
  DIM,
  LOSS,
  LR,
  PICTURE_CROP,
  SHUFFLES,
  type RestorationPlan,
} from './plan';

/** The dispatch path of an FFN slot (`dense-ffn` for a dense FFN). */
function dispatchOf(ffn: RestorationFfnConfigInput): string {
  const slot = FfnSlotSchema.parse(ffn);
  if (slot.kind === 'dense') return 'dense-ffn';
  return slot.kind === 'moe' ? slot.moe.dispatch : slot.mofme.dispatch;
}

/** The trained weights of an arm on each of its dispatch paths (own path first), in eval mode. */
function dispatchNets(net: RestorationNet, arm: Arm): Record<string, RestorationNet> {
  const nets: Record<string, RestorationNet> = { [dispatchOf(arm.ffn)]: net };
  if (arm.twin) {
    const twin = new RestorationNet({ ...net.config, ffn: arm.twin });
    twin.loadStateDict(net.stateDict());
    nets[dispatchOf(arm.twin)] = twin;
  }
  for (const m of Object.values(nets)) m.eval();
  return nets;
}

/** The test data of every arm: the same patches and whole photos, in the same order. */
export interface RestorationData {
  train: PatchSet;
  test: PatchSet;
  photos: PhotoPair[];
}

/** What one arm contributes: rows, chart series and its restorations of the pictured photo crops. */
export interface ArmResult {
  /** Rows without latency yet (`timeLatencies` fills `latencyMsPerBatch` and `latencyMs_*`). */
  rows: BenchRow[];
  series: Required<SuiteSeries>;
  /** The first seed's restored whole photos, cropped to {@link PICTURE_CROP}, in photo order. */
  pictures: RgbImage[];
  /** The trained weights (last seed) per dispatch path, kept for the joint latency timing. */
  nets: Record<string, RestorationNet>;
}

/** Per-patch values of the patches of one task (all patches for `all`), in set order. */
function itemsOf(values: readonly number[], test: PatchSet, task: string): number[] {
  const ti = WEATHER_TYPES.indexOf(task as (typeof WEATHER_TYPES)[number]);
  return ti < 0 ? [...values] : values.filter((_, i) => test.tasks[i] === ti);
}

/**
 * One seed's runs per task (`all` and each weather type): PSNR/SSIM of output and input on the
 * test patches (with per-patch PSNR as items) and on the whole photos; on `all` the
 * routing-weather information against its label-shuffled null.
 */
function seedRuns(
  ev: RestorationEval,
  photos: PhotoEvaluation,
  routing: LabelPermutation | undefined,
  test: PatchSet,
  trainSeconds: number,
): Record<string, SeedRun> {
  return Object.fromEntries(
    Object.entries(ev.byTask).map(([task, s]) => {
      const p = photos.byTask[task];
      const metrics: Record<string, number> = {
        psnr: s.psnr,
        ssim: s.ssim,
        inputPsnr: s.inputPsnr,
        inputSsim: s.inputSsim,
        photoPsnr: p.psnr,
        photoSsim: p.ssim,
        photoInputPsnr: p.inputPsnr,
        photoInputSsim: p.inputSsim,
      };
      if (task === 'all' && routing) {
        Object.assign(metrics, {
          routeWeatherNmi: routing.observed,
          routeWeatherNmiShuffled: routing.nullMean,
          routeWeatherNmiShuffledMax: routing.nullMax,
          routeWeatherNmiP: routing.pValue,
        });
      }
      const items = {
        psnr: itemsOf(ev.patchPsnr, test, task),
        inputPsnr: itemsOf(ev.patchInputPsnr, test, task),
      };
      return [task, { metrics, items, latencyMs: 0, trainSeconds }];
    }),
  );
}

/**
 * Fails loudly when the router starts collapsed: MaxVio at the first logged step at its ceiling
 * means every token went to the same k experts.
 */
function checkNotCollapsed(
  arm: Arm,
  seed: number,
  first: { step: number; maxVio: number } | undefined,
): void {
  const ceiling = maxVioCeiling(arm.ffn);
  if (ceiling === undefined || !first) return;
  if (first.maxVio >= ceiling - 1e-6) {
    throw new Error(
      `${arm.model} ${arm.variant} seed ${seed}: router collapsed, MaxVio ${first.maxVio.toFixed(2)} at step ${first.step} is the ceiling E/k - 1 = ${ceiling} (every token on the same experts)`,
    );
  }
}

/** Per-weather expert loads of the last routed layer (one group per weather type). */
function weatherLoads(ev: RestorationEval, test: PatchSet): Map<string, number[]> {
  const last = ev.assignments[ev.assignments.length - 1];
  const byTask = usageByGroup(last.flat(), last[0].length, test.tasks);
  return new Map(WEATHER_TYPES.map((w, ti) => [w, byTask.get(String(ti)) ?? []]));
}

function logRouting(ctx: SuiteContext, arm: Arm, loads: Map<string, number[]>): void {
  const top = [...loads].map(([w, l]) => `${w}=e${l.indexOf(Math.max(...l))}`).join(' ');
  ctx.log(`${arm.model} ${arm.variant}: last-layer top expert per weather: ${top}`);
}

/**
 * Trains `arm` on every seed from the same initial weights per seed as every other arm of its
 * shape, checks its router did not start collapsed, evaluates it on the shared test patches and
 * whole photos, and returns its rows (one per weather type and `all`), the first seed's charts and
 * photo crops, and the last seed's weights on each dispatch path.
 */
export async function runArm(
  ctx: SuiteContext,
  plan: RestorationPlan,
  arm: Arm,
  data: RestorationData,
): Promise<ArmResult> {
  const { train, test } = data;
  const runsByTask: Record<string, SeedRun[]> = {};
  const series: Required<SuiteSeries> = { expertLoad: [], balance: [] };
  const tag = { model: arm.model, variant: arm.variant };
  let net: RestorationNet | undefined;
  let lossSeries: number[] = [];
  let pictures: RgbImage[] = [];
  for (const seed of ctx.seeds) {
    net?.dispose();
    setSeed(seed);
    net = new RestorationNet({ dim: DIM, ffn: arm.ffn });
    const steps = plan.epochs * Math.floor(train.n / BATCH_SIZE);
    const bar = ctx.progress(`restoration ${arm.model} ${arm.variant} seed ${seed}`, steps);
    const first = seed === ctx.seeds[0];
    let firstLogged: { step: number; maxVio: number } | undefined;
    const run = await trainRestoration({
      model: net,
      train,
      epochs: plan.epochs,
      batchSize: BATCH_SIZE,
      lr: LR,
      loss: LOSS,
      seed,
      onStep: (step, loss, info) => {
        bar.tick(1, { loss: loss.toFixed(4) });
        if (!info.routing || (step % BALANCE_EVERY !== 0 && step !== steps)) return;
        firstLogged ??= { step, maxVio: info.routing.maxVio };
        if (first) series.balance.push({ ...tag, step, maxVio: info.routing.maxVio });
      },
    });
    bar.done();
    checkNotCollapsed(arm, seed, firstLogged);
    lossSeries = run.losses;
    const ev = await evaluateRestoration(net, test);
    const photos = await evaluatePhotos(net, data.photos);
    const routed = ev.assignments.length > 0;
    const routing = routed
      ? weatherRoutingTest(ev.assignments[ev.assignments.length - 1], test.tasks, SHUFFLES, seed)
      : undefined;
    const runs = seedRuns(ev, photos, routing, test, run.trainSeconds);
    for (const [task, r] of Object.entries(runs)) (runsByTask[task] ??= []).push(r);
    if (first) {
      ev.load.forEach((perExpert, layer) =>
        perExpert.forEach((load, expert) => series.expertLoad.push({ ...tag, layer, expert, load })),
      );
      pictures = photos.restored.map((im) => cropToBox(im, PICTURE_CROP));
    }
    if (routed) {
      const loads = weatherLoads(ev, test);
      if (first) {
        const layer = ev.assignments.length - 1;
        for (const [group, l] of loads) {
          l.forEach((load, expert) => series.expertLoad.push({ ...tag, layer, expert, load, group }));
        }
      }
      logRouting(ctx, arm, loads);
    }
    const nmi = routing
      ? `, routing-weather NMI ${routing.observed.toFixed(3)} (shuffled ${routing.nullMean.toFixed(3)}, p ${routing.pValue.toFixed(3)})`
      : '';
    ctx.log(
      `${arm.model} ${arm.variant} seed ${seed}: PSNR ${ev.byTask.all.psnr.toFixed(2)} dB (input ${ev.byTask.all.inputPsnr.toFixed(2)}), whole photos ${photos.byTask.all.psnr.toFixed(2)} dB (input ${photos.byTask.all.inputPsnr.toFixed(2)})${nmi}`,
    );
  }
  const m = net as RestorationNet;
  const head = {
    ...tag,
    paramsTotal: m.countParams(),
    paramsActive: m.activeParams(),
    flopsPerSample: m.flopsPerSample(),
  };
  const rows = Object.entries(runsByTask).map(([task, runs]) =>
    seedRunsRow({ ...head, task }, runs, task === 'all' ? { loss: lossSeries } : undefined),
  );
  return { rows, series, pictures, nets: dispatchNets(m, arm) };
}
