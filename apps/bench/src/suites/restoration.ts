import { setSeed, tf } from '@moe-zoo/core';
import {
  composeGrid,
  encodeImage,
  evaluateRestoration,
  FfnSlotSchema,
  makePatchSet,
  patchImage,
  restoreImage,
  patchBatch,
  RestorationNet,
  routingTaskInformation,
  trainRestoration,
  WEATHER_TYPES,
  type PatchSet,
  type RestorationFfnConfigInput,
  type RgbImage,
} from '@moe-zoo/restoration';
import { timeArms, TimingLog, type TimedArm } from '../perf/timing';
import { aggregate, fmt } from '../stats';
import type { BenchRow, Claim, Suite, SuiteContext, SuiteSeries } from '../types';

type FfnSlot = RestorationFfnConfigInput;
type MoEOptions = Extract<FfnSlot, { kind: 'moe' }>['moe'];
type MoFMEOptions = Extract<FfnSlot, { kind: 'mofme' }>['mofme'];

interface Arm {
  model: string;
  variant: string;
  ffn: FfnSlot;
  /** The same weights with the other dispatch path, for latency (MoE / MoFME arms). */
  twin?: FfnSlot;
  /** Sweep arms (E 4/16, k 4) train on the first seed only, to keep full mode affordable. */
  sweep?: boolean;
}

const DIM = 48;

function arms(quick: boolean): Arm[] {
  const out: Arm[] = [{ model: 'dense', variant: 'ffn-4d', ffn: { kind: 'dense', hidden: 4 * DIM } }];
  // Every arm at E=8, k=2; full mode sweeps E in {4, 16} and k=4 for the MoE and linear MoFME.
  const grid: [number, number][] = quick
    ? [[8, 2]]
    : [
        [8, 2],
        [4, 2],
        [16, 2],
        [8, 4],
      ];
  for (const [e, k] of grid) {
    const main = e === 8 && k === 2;
    const moe: MoEOptions = { hidden: 4 * DIM, numExperts: e, topK: k, losses: { aux: 0 } };
    out.push({
      sweep: !main,
      model: 'moe',
      variant: `parallel-ffn-e${e}k${k}`,
      ffn: { kind: 'moe', moe: { ...moe, dispatch: 'sorted' } },
      twin: { kind: 'moe', moe: { ...moe, dispatch: 'dense' } },
    });
    for (const modulation of main ? (['linear', 'vector'] as const) : (['linear'] as const)) {
      const fm: MoFMEOptions = { numExperts: e, topK: k, modulation };
      out.push({
        sweep: !main,
        model: 'mofme',
        variant: `${modulation}-fm-e${e}k${k}`,
        ffn: { kind: 'mofme', mofme: { ...fm, dispatch: 'dense' } },
        twin: { kind: 'mofme', mofme: { ...fm, dispatch: 'sorted' } },
      });
    }
    if (!main) continue;
    const uar: MoFMEOptions = {
      numExperts: e,
      topK: k,
      modulation: 'linear',
      router: { type: 'uncertainty', samples: 5, dropout: 0.1 },
    };
    out.push({
      model: 'mofme-uar',
      variant: `linear-fm-e${e}k${k}`,
      ffn: { kind: 'mofme', mofme: { ...uar, dispatch: 'dense' } },
      twin: { kind: 'mofme', mofme: { ...uar, dispatch: 'sorted' } },
    });
  }
  return out;
}

function dispatchOf(ffn: FfnSlot): string {
  const slot = FfnSlotSchema.parse(ffn);
  if (slot.kind === 'dense') return 'dense-ffn';
  return slot.kind === 'moe' ? slot.moe.dispatch : slot.mofme.dispatch;
}

/** Latency batch size: `latencyMsPerBatch` is the median ms of one forward pass of this many test tiles. */
const LATENCY_BATCH = 32;

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

/** What one arm contributes: rows, chart series and its restorations of the picture-grid patches. */
interface ArmResult {
  /** Rows without latency yet ({@link timeLatencies} fills `latencyMsPerBatch` and `latencyMs_*`). */
  rows: BenchRow[];
  series: Required<SuiteSeries>;
  pictures: RgbImage[];
  /** The trained weights per dispatch path, kept for the joint latency timing (disposed after it). */
  nets: Record<string, RestorationNet>;
}

/**
 * Times every arm's trained weights on each dispatch path together (one interleaved
 * {@link timeArms} call, so the latency claims compare arms measured under the same conditions):
 * median ms of one forward pass of the first {@link LATENCY_BATCH} test tiles. Fills each row's
 * `latencyMsPerBatch` (the arm's own dispatch path) and, on the `all` row, `latencyMs_<dispatch>`.
 */
function timeLatencies(
  ctx: SuiteContext,
  done: { label: string; result: ArmResult }[],
  test: PatchSet,
  reps: number,
  timing: TimingLog,
): void {
  const probe = patchBatch(
    test,
    Array.from({ length: LATENCY_BATCH }, (_, i) => i),
  );
  try {
    const arms: TimedArm[] = done.flatMap(({ label, result }) =>
      Object.entries(result.nets).map(([k, m]) => ({
        name: `${label}/${k}`,
        run: () =>
          tf.tidy(() => {
            const { y, aux } = m.forward(probe.x);
            y.dataSync();
            for (const a of aux) tf.dispose([a.counts, a.probs, a.dropped, a.indices]);
          }),
      })),
    );
    const bar = ctx.progress('latency (all arms interleaved)', reps);
    const timed = timing.add(timeArms(arms, { reps, onRep: () => bar.tick() }));
    bar.done();
    for (const { label, result } of done) {
      const [own] = Object.keys(result.nets);
      for (const r of result.rows) {
        r.latencyMsPerBatch = timed.arms[`${label}/${own}`].medianMs;
        if (r.task !== 'all') continue;
        for (const k of Object.keys(result.nets))
          r.metrics[`latencyMs_${k}`] = timed.arms[`${label}/${k}`].medianMs;
      }
    }
  } finally {
    tf.dispose([probe.x, probe.y]);
  }
}

async function runArm(
  ctx: SuiteContext,
  arm: Arm,
  data: { train: PatchSet; test: PatchSet; pictureIdx: number[] },
  epochs: number,
): Promise<ArmResult> {
  const { train, test } = data;
  const batchSize = 32;
  const perSeedByTask: Record<string, Record<string, number>[]> = {};
  const series: Required<SuiteSeries> = { expertLoad: [], balance: [] };
  const tag = { model: arm.model, variant: arm.variant };
  let trainSeconds = 0;
  let net: RestorationNet | undefined;
  let lossSeries: number[] = [];
  let pictures: RgbImage[] = [];
  const seeds = arm.sweep ? ctx.seeds.slice(0, 1) : ctx.seeds;
  for (const seed of seeds) {
    net?.dispose();
    setSeed(seed);
    net = new RestorationNet({ dim: DIM, ffn: arm.ffn });
    const steps = epochs * Math.floor(train.n / batchSize);
    const bar = ctx.progress(`restoration ${arm.model} ${arm.variant} seed ${seed}`, steps);
    const first = seed === ctx.seeds[0];
    const run = await trainRestoration({
      model: net,
      train,
      epochs,
      batchSize,
      lr: 2e-3,
      seed,
      onStep: (step, loss, info) => {
        bar.tick(1, { loss: loss.toFixed(4) });
        if (first && info.routing && (step % 4 === 0 || step === steps)) {
          series.balance.push({ ...tag, step, maxVio: info.routing.maxVio });
        }
      },
    });
    bar.done();
    trainSeconds += run.trainSeconds;
    lossSeries = run.losses;
    const ev = evaluateRestoration(net, test);
    const mi = ev.routing.length ? ev.routing.map(routingTaskInformation) : [];
    for (const [task, s] of Object.entries(ev.byTask)) {
      const m: Record<string, number> = {
        psnr: s.psnr,
        ssim: s.ssim,
        inputPsnr: s.inputPsnr,
        inputSsim: s.inputSsim,
      };
      if (task === 'all' && mi.length) m.routeTaskInfo = mi.reduce((a, b) => a + b, 0) / mi.length;
      (perSeedByTask[task] ??= []).push(m);
    }
    if (first) {
      ev.load.forEach((perExpert, layer) =>
        perExpert.forEach((load, expert) => series.expertLoad.push({ ...tag, layer, expert, load })),
      );
      pictures = data.pictureIdx.map((i) =>
        restoreImage(net as RestorationNet, patchImage(test, i, 'degraded')),
      );
    }
    if (ev.routing.length) {
      const last = ev.routing[ev.routing.length - 1];
      ctx.log(
        `${arm.model} ${arm.variant}: last-layer top expert per weather: ${last
          .map((r, ti) => `${WEATHER_TYPES[ti]}=e${r.indexOf(Math.max(...r))}`)
          .join(' ')}`,
      );
    }
    ctx.log(
      `${arm.model} ${arm.variant} seed ${seed}: PSNR ${ev.byTask.all.psnr.toFixed(2)} dB (input ${ev.byTask.all.inputPsnr.toFixed(2)}), SSIM ${ev.byTask.all.ssim.toFixed(3)}${mi.length ? `, routing-weather NMI ${(mi.reduce((a, b) => a + b, 0) / mi.length).toFixed(3)}` : ''}`,
    );
  }
  const m = net as RestorationNet;
  const nets = dispatchNets(m, arm);
  const rows = Object.entries(perSeedByTask).map(([task, perSeed]): BenchRow => {
    const { metrics, spread } = aggregate(perSeed);
    return {
      ...tag,
      task,
      paramsTotal: m.countParams(),
      paramsActive: m.activeParams(),
      flopsPerSample: m.flopsPerSample(),
      metrics,
      spread,
      latencyMsPerBatch: 0,
      trainSeconds: trainSeconds / seeds.length,
      ...(task === 'all' ? { series: { loss: lossSeries } } : {}),
    };
  });
  return { rows, series, pictures, nets };
}

/** The first `perType` test patches of each weather type, in weather order. */
function pictureIndices(test: PatchSet, perType: number): number[] {
  return WEATHER_TYPES.flatMap((_, ti) =>
    Array.from(test.tasks.keys())
      .filter((i) => test.tasks[i] === ti)
      .slice(0, perType),
  );
}

/** Degraded | each pictured arm's restoration | clean, one row per patch. */
function pictureGrid(test: PatchSet, idx: number[], arms: { label: string; pictures: RgbImage[] }[]) {
  const rows = idx.map((i, r) => [
    patchImage(test, i, 'degraded'),
    ...arms.map((a) => a.pictures[r]),
    patchImage(test, i, 'clean'),
  ]);
  const columns = ['degraded', ...arms.map((a) => a.label), 'clean'].join(' | ');
  return {
    name: 'picture-grid',
    title: `Test patches, ${idx.length / WEATHER_TYPES.length} per weather type (rows: ${WEATHER_TYPES.join(', ')}); columns: ${columns}`,
    png: new Uint8Array(encodeImage(composeGrid(rows, { scale: 3, gap: 3 }), 'png')),
  };
}

function find(rows: BenchRow[], model: string, variant: string, task = 'all'): BenchRow | undefined {
  return rows.find((r) => r.model === model && r.variant === variant && r.task === task);
}

const PAPER = 'MoFME (Zhang et al., AAAI 2024)';

/** Total parameters of the whole net per E (constructed, not trained): MoE, linear and vector MoFME. */
function paramTable(): { e: number; moe: number; linear: number; vector: number }[] {
  const count = (ffn: FfnSlot) => {
    const n = new RestorationNet({ dim: DIM, ffn });
    const c = n.countParams();
    n.dispose();
    return c;
  };
  return [4, 8, 16].map((e) => ({
    e,
    moe: count({ kind: 'moe', moe: { hidden: 4 * DIM, numExperts: e, topK: 2 } }),
    linear: count({ kind: 'mofme', mofme: { numExperts: e, topK: 2, modulation: 'linear' } }),
    vector: count({ kind: 'mofme', mofme: { numExperts: e, topK: 2, modulation: 'vector' } }),
  }));
}

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;

function paramClaims(): Claim[] {
  return paramTable().map(({ e, moe, linear, vector }) => ({
    id: `mofme-fewer-params-e${e}`,
    paper: PAPER,
    statement: `MoFME (linear FM, as in the released code) has <= 40% of the total parameters of the parallel-FFN MoE at E=${e}`,
    holds: linear <= 0.4 * moe,
    evidence: `whole net (D=${DIM}, 2 blocks): linear-FM ${linear} (${pct(linear, moe)}), vector-FM ${vector} (${pct(vector, moe)}) vs MoE ${moe}; per FFN layer the ratio is (2+2E+8)/(8E) D^2, under 40% only from E=16`,
  }));
}

function trainedClaims(rows: BenchRow[]): Claim[] {
  const out: Claim[] = [];
  const moe = find(rows, 'moe', 'parallel-ffn-e8k2');
  const lin = find(rows, 'mofme', 'linear-fm-e8k2');
  const vec = find(rows, 'mofme', 'vector-fm-e8k2');
  const uar = find(rows, 'mofme-uar', 'linear-fm-e8k2');
  if (!moe || !lin || !vec || !uar) return out;
  const l = (r: BenchRow, k: string) => r.metrics[`latencyMs_${k}`];
  const timed = [lin, moe].every((r) => l(r, 'dense') !== undefined && l(r, 'sorted') !== undefined);
  if (timed)
    out.push({
      id: 'mofme-faster',
      paper: PAPER,
      statement:
        'MoFME inference latency <= 0.75x the parallel-FFN MoE with the same E (8), both with dense dispatch (every expert on every token, as in the paper code)',
      holds: l(lin, 'dense') <= 0.75 * l(moe, 'dense'),
      evidence: `ms per batch of 32 tiles, dense: MoFME ${l(lin, 'dense').toFixed(1)} vs MoE ${l(moe, 'dense').toFixed(1)} (${(l(lin, 'dense') / l(moe, 'dense')).toFixed(2)}x); sorted (k experts only): MoFME ${l(lin, 'sorted').toFixed(1)} vs MoE ${l(moe, 'sorted').toFixed(1)} (${(l(lin, 'sorted') / l(moe, 'sorted')).toFixed(2)}x)`,
    });
  for (const r of rows.filter((x) => x.model === 'moe' && x.task === 'all')) {
    const ek = r.variant.replace('parallel-ffn-', '');
    const fm = find(rows, 'mofme', `linear-fm-${ek}`);
    if (!fm) continue;
    const extra = ek === 'e8k2' ? `, vector-FM ${fmt(vec.metrics, vec.spread, 'psnr', 2)}` : '';
    out.push({
      id: `mofme-quality-${ek}`,
      paper: PAPER,
      statement: `MoFME PSNR >= parallel-FFN MoE PSNR - 0.1 dB (${ek})`,
      holds: fm.metrics.psnr >= r.metrics.psnr - 0.1,
      evidence: `PSNR linear-FM ${fmt(fm.metrics, fm.spread, 'psnr', 2)}${extra} vs MoE ${fmt(r.metrics, r.spread, 'psnr', 2)} dB (degraded input ${r.metrics.inputPsnr.toFixed(2)})`,
    });
  }
  out.push({
    id: 'uar-psnr',
    paper: PAPER,
    statement: 'the uncertainty-aware router (MC dropout, diagonal) gives PSNR >= the plain top-k router',
    holds: uar.metrics.psnr >= lin.metrics.psnr,
    evidence: `PSNR UaR ${fmt(uar.metrics, uar.spread, 'psnr', 2)} vs plain ${fmt(lin.metrics, lin.spread, 'psnr', 2)} dB`,
  });
  const info = (r: BenchRow) => fmt(r.metrics, r.spread, 'routeTaskInfo', 3);
  out.push({
    id: 'uar-routing-tracks-weather',
    paper: PAPER,
    statement: 'routing weights track the weather type more with UaR than with the plain router',
    holds: (uar.metrics.routeTaskInfo ?? 0) > (lin.metrics.routeTaskInfo ?? 0),
    evidence: `normalised mutual information between weather type and routing (0 = none, 1 = fully separated): UaR ${info(uar)} vs plain ${info(lin)} (MoE ${info(moe)})`,
  });
  return out;
}

/** Parameter growth per extra expert (no training): the MoFME claim that its cost is nearly flat in E. */
function paramGrowthNote(): string {
  const parts = paramTable().map(
    ({ e, moe, linear, vector }) =>
      `E=${e}: MoE ${moe}, MoFME-linear ${linear} (${pct(linear, moe)}), MoFME-vector ${vector} (${pct(vector, moe)})`,
  );
  return `Total parameters of the whole net (2 blocks, D=${DIM}) by E: ${parts.join('; ')}.`;
}

/** The `restoration` suite: MoFME vs parallel-FFN MoE vs dense on synthetic all-weather patches of real photos. */
export const restorationSuite: Suite = {
  name: 'restoration',
  description:
    'All-weather restoration (rain / snow / haze / mixed on @stdlib photos, 32x32 patches): dense FFN, parallel-FFN MoE, MoFME (linear and vector FM) and MoFME + uncertainty-aware router',
  async run(ctx) {
    const train = makePatchSet({ split: 'train', n: ctx.quick ? 1024 : 1536, seed: 0 });
    const test = makePatchSet({ split: 'test', n: ctx.quick ? 200 : 400, seed: 0 });
    const epochs = ctx.quick ? 3 : 4;
    const data = { train, test, pictureIdx: pictureIndices(test, 2) };
    const rows: BenchRow[] = [];
    const series: Required<SuiteSeries> = { expertLoad: [], balance: [] };
    const pictured: { label: string; pictures: RgbImage[] }[] = [];
    const failed: string[] = [];
    const done: { label: string; result: ArmResult }[] = [];
    for (const arm of arms(ctx.quick)) {
      let r: ArmResult;
      try {
        r = await runArm(ctx, arm, data, epochs);
      } catch (e) {
        // One arm failing (e.g. the wasm heap running out late in a long run) keeps the others' results.
        failed.push(`${arm.model} ${arm.variant}: ${(e as Error).message.split('\n')[0]}`);
        ctx.log(`arm ${arm.model} ${arm.variant} failed: ${(e as Error).message}`);
        continue;
      }
      done.push({ label: `${arm.model} ${arm.variant}`, result: r });
      rows.push(...r.rows);
      series.expertLoad.push(...r.series.expertLoad);
      series.balance.push(...r.series.balance);
      if (
        ['ffn-4d', 'parallel-ffn-e8k2', 'linear-fm-e8k2'].includes(arm.variant) &&
        arm.model !== 'mofme-uar'
      ) {
        pictured.push({ label: `${arm.model} ${arm.variant}`, pictures: r.pictures });
      }
    }
    const timing = new TimingLog();
    const latencyReps = ctx.quick ? 7 : 20;
    try {
      timeLatencies(ctx, done, test, latencyReps, timing);
    } catch (e) {
      failed.push(`latency timing (rows keep latency 0): ${(e as Error).message.split('\n')[0]}`);
      ctx.log(`latency timing failed: ${(e as Error).message}`);
    } finally {
      for (const { result } of done) for (const m of Object.values(result.nets)) m.dispose();
    }
    const degradedRows: BenchRow[] = rows
      .filter((r) => r.model === 'dense')
      .map((r) => ({
        model: 'input',
        variant: 'degraded',
        task: r.task,
        paramsTotal: 0,
        paramsActive: 0,
        flopsPerSample: 0,
        metrics: { psnr: r.metrics.inputPsnr, ssim: r.metrics.inputSsim },
        latencyMsPerBatch: 0,
        trainSeconds: 0,
      }));
    return {
      rows: [...degradedRows, ...rows],
      claims: [...paramClaims(), ...trainedClaims(rows)],
      mainMetrics: ['psnr', 'ssim', 'inputPsnr', 'routeTaskInfo', 'latencyMs_dense', 'latencyMs_sorted'],
      series,
      figures: [pictureGrid(test, data.pictureIdx, pictured)],
      timing: timing.summary(),
      notes: [
        ...failed.map((f) => `FAILED arm (no rows): ${f}`),
        `Clean patches: random 32x32 crops of 5 @stdlib photos (downscaled 3x); test patches from 2 other photos kept whole for test only. ${train.n} train / ${test.n} test patches, weather types cycled (rain, snow, haze, mixed), degradations seeded per patch.`,
        `Net: conv head (3->16), 4x4 patch tokens (64 per tile), D=${DIM}, 2 pre-norm blocks with the FFN slot under test, linear tail + conv fuse, global residual; L1 loss, AdamW 2e-3 warmup+cosine, batch 32, ${epochs} epochs.`,
        ...(ctx.quick
          ? []
          : [
              `Full mode: the E=8, k=2 arms train on every seed (${ctx.seeds.join(', ')}); the sweep arms (E 4 and 16, k 4) on seed ${ctx.seeds[0]} only.`,
            ]),
        `MoFME trains with dense FM dispatch (all experts, as the released code); MoE trains with sorted (dropless) dispatch; latencyMs_* time the same weights on each dispatch path (median ms of one forward pass of ${LATENCY_BATCH} tiles); after training, every arm and dispatch path is timed together, interleaved in rotating order (${latencyReps} rounds after one warm-up round). No balancing loss in either (as in MoFME).`,
        'routeTaskInfo: mutual information between weather type and expert from per-type mean router distributions, / log2(4), averaged over the routed layers.',
        paramGrowthNote(),
      ],
    };
  },
};
