/** Training and evaluation of one restoration arm over its seeds: rows with per-seed and per-patch outcomes. */
import { setSeed } from '@moe-zoo/core';
import {
  evaluateRestoration,
  FfnSlotSchema,
  patchImage,
  restoreImage,
  RestorationNet,
  routingTaskInformation,
  trainRestoration,
  WEATHER_TYPES,
  type PatchSet,
  type RestorationEval,
  type RestorationFfnConfigInput,
  type RgbImage,
} from '@moe-zoo/restoration';
import { mean, seedRunsRow, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext, SuiteSeries } from '../../types';
import type { Arm } from './arms';
import { BALANCE_EVERY, BATCH_SIZE, DIM, LR, type RestorationPlan } from './plan';
import { patchPsnr } from './run-eval';

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

/** The test data of every arm: the same patches in the same order, and the pictured ones. */
export interface RestorationData {
  train: PatchSet;
  test: PatchSet;
  pictureIdx: number[];
}

/** What one arm contributes: rows, chart series and its restorations of the picture-grid patches. */
export interface ArmResult {
  /** Rows without latency yet (`timeLatencies` fills `latencyMsPerBatch` and `latencyMs_*`). */
  rows: BenchRow[];
  series: Required<SuiteSeries>;
  pictures: RgbImage[];
  /** The trained weights (last seed) per dispatch path, kept for the joint latency timing. */
  nets: Record<string, RestorationNet>;
}

/** Per-task seed runs of one evaluation: PSNR/SSIM of output and input, routing NMI and per-patch PSNR on `all`. */
function seedRuns(ev: RestorationEval, itemPsnr: number[], trainSeconds: number): Record<string, SeedRun> {
  const nmi = ev.routing.length ? mean(ev.routing.map(routingTaskInformation)) : undefined;
  return Object.fromEntries(
    Object.entries(ev.byTask).map(([task, s]) => {
      const all = task === 'all';
      const metrics: Record<string, number> = {
        psnr: s.psnr,
        ssim: s.ssim,
        inputPsnr: s.inputPsnr,
        inputSsim: s.inputSsim,
        ...(all && nmi !== undefined ? { routeTaskInfo: nmi } : {}),
      };
      return [task, { metrics, ...(all ? { items: { psnr: itemPsnr } } : {}), latencyMs: 0, trainSeconds }];
    }),
  );
}

function logRouting(ctx: SuiteContext, arm: Arm, ev: RestorationEval): void {
  const last = ev.routing[ev.routing.length - 1];
  if (!last) return;
  const top = last.map((r, ti) => `${WEATHER_TYPES[ti]}=e${r.indexOf(Math.max(...r))}`).join(' ');
  ctx.log(`${arm.model} ${arm.variant}: last-layer top expert per weather: ${top}`);
}

/**
 * Trains `arm` on every seed from the same initial weights per
 * seed as every other arm of its shape, evaluates it on the shared test patches, and returns its
 * rows (one per weather type and `all`; `all` carries per-patch PSNR), the first seed's charts and
 * pictures, and the last seed's weights on each dispatch path.
 */
export async function runArm(
  ctx: SuiteContext,
  plan: RestorationPlan,
  arm: Arm,
  data: RestorationData,
): Promise<ArmResult> {
  const { train, test } = data;
  const { epochs } = plan;
  const { seeds } = ctx;
  const runsByTask: Record<string, SeedRun[]> = {};
  const series: Required<SuiteSeries> = { expertLoad: [], balance: [] };
  const tag = { model: arm.model, variant: arm.variant };
  let net: RestorationNet | undefined;
  let lossSeries: number[] = [];
  let pictures: RgbImage[] = [];
  for (const seed of seeds) {
    net?.dispose();
    setSeed(seed);
    net = new RestorationNet({ dim: DIM, ffn: arm.ffn });
    const steps = epochs * Math.floor(train.n / BATCH_SIZE);
    const bar = ctx.progress(`restoration ${arm.model} ${arm.variant} seed ${seed}`, steps);
    const first = seed === ctx.seeds[0];
    const run = await trainRestoration({
      model: net,
      train,
      epochs,
      batchSize: BATCH_SIZE,
      lr: LR,
      seed,
      onStep: (step, loss, info) => {
        bar.tick(1, { loss: loss.toFixed(4) });
        if (first && info.routing && (step % BALANCE_EVERY === 0 || step === steps)) {
          series.balance.push({ ...tag, step, maxVio: info.routing.maxVio });
        }
      },
    });
    bar.done();
    lossSeries = run.losses;
    const ev = evaluateRestoration(net, test);
    const runs = seedRuns(ev, patchPsnr(net, test), run.trainSeconds);
    for (const [task, r] of Object.entries(runs)) (runsByTask[task] ??= []).push(r);
    if (first) {
      ev.load.forEach((perExpert, layer) =>
        perExpert.forEach((load, expert) => series.expertLoad.push({ ...tag, layer, expert, load })),
      );
      const trained = net;
      pictures = data.pictureIdx.map((i) => restoreImage(trained, patchImage(test, i, 'degraded')));
    }
    logRouting(ctx, arm, ev);
    const nmi = runs.all.metrics.routeTaskInfo;
    ctx.log(
      `${arm.model} ${arm.variant} seed ${seed}: PSNR ${ev.byTask.all.psnr.toFixed(2)} dB (input ${ev.byTask.all.inputPsnr.toFixed(2)}), SSIM ${ev.byTask.all.ssim.toFixed(3)}${nmi === undefined ? '' : `, routing-weather NMI ${nmi.toFixed(3)}`}`,
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
