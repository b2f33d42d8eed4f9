import { moduleCosts, setSeed, tf } from '@moe-zoo/core';
import {
  auxRouterAgreement,
  AvModel,
  avBatch,
  encodeImages,
  evaluateAvModel,
  evaluateLm,
  fitImageCodebook,
  flopsSavings,
  FULL_RATE,
  InterleavedLM,
  interleavedTokenizer,
  lmBatch,
  makeAvDigits,
  makeInterleavedSet,
  loadDigitImages,
  MNIST_SPLITS,
  MOMA_ARMS,
  momeOverlap,
  MOME_RATES,
  pairedStandardError,
  rateKey,
  takeInterleaved,
  trainAuxRouters,
  trainAvModel,
  trainLm,
  type AvModelConfigInput,
  type AvSet,
  type InterleavedSet,
  type LmCurves,
  type LmEvaluation,
  type RatePair,
} from '@moe-zoo/multimodal';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import { timeMedian, TimingLog } from '../perf/timing';
import { fmt, mean, seedRunsRow, type SeedRun } from '../stats';
import type { BenchRow, Claim, SuiteContext, SuiteResult } from '../types';

/* ------------------------------------------------------------------------------------------------
 * Shared helpers
 * ---------------------------------------------------------------------------------------------- */

/** A variant's size (as measured on its first seed) and its runs, one per seed. */
interface VariantRuns {
  total: number;
  active: number;
  flops: number;
  runs: SeedRun[];
}

/** Adds one seed's run of `variant`; the size is kept from the first seed. */
function record(
  store: Record<string, VariantRuns>,
  variant: string,
  size: { total: number; active: number; flops: number },
  run: SeedRun,
): void {
  (store[variant] ??= { ...size, runs: [] }).runs.push(run);
}

/** Median wall ms of one call (the bench's timing helper: one warm-up, 5 timed calls), recorded in `timing`. */
function timeMs(f: () => void, timing: TimingLog): number {
  return timing.add(timeMedian(f)).medianMs;
}

/** A leaderboard row of a variant's runs. */
function row(
  model: string,
  variant: string,
  task: string,
  v: VariantRuns,
  series?: Record<string, number[]>,
): BenchRow {
  return seedRunsRow(
    {
      model,
      variant,
      task,
      paramsTotal: v.total,
      paramsActive: v.active,
      flopsPerSample: Math.round(v.flops),
    },
    v.runs,
    series,
  );
}

/** Binomial standard error of an accuracy p on n samples. */
function binomialSe(p: number, n: number): number {
  return Math.sqrt((p * (1 - p)) / Math.max(n, 1));
}

/* ------------------------------------------------------------------------------------------------
 * MoME: audio-visual digits at token compression rates
 * ---------------------------------------------------------------------------------------------- */

const HIGH: RatePair[] = [
  { audio: 8, video: 1 },
  { audio: 8, video: 2 },
];

interface MomeArm {
  variant: string;
  adapter: AvModelConfigInput['adapter'];
  /** One model per rate pair (trained on that pair only) instead of one for all pairs. */
  perRate?: boolean;
}

function momeArms(quick: boolean): MomeArm[] {
  const arms: MomeArm[] = [
    {
      variant: 'mome-e8k2-shared-router',
      adapter: { kind: 'mome', numExperts: 8, topK: 2, hidden: 8, sharedHidden: 8 },
    },
    { variant: 'adapter-all-rates', adapter: { kind: 'dense', hidden: 24 } },
    { variant: 'adapter-per-rate', adapter: { kind: 'dense', hidden: 24 }, perRate: true },
  ];
  if (!quick)
    arms.push({
      variant: 'mome-e8k2-per-rate-routers',
      adapter: { kind: 'mome', numExperts: 8, topK: 2, hidden: 8, sharedHidden: 8, routers: 'per-rate' },
    });
  return arms;
}

function accuracyMetrics(evals: Record<string, { accuracy: number }>, rates: readonly RatePair[]) {
  const m: Record<string, number> = {};
  for (const r of rates) m[`acc_${rateKey(r)}`] = evals[rateKey(r)].accuracy;
  return m;
}

/** Median ms of one forward of a 32-sample batch at a4v1 (the middle of the grid). */
function avLatency(model: AvModel, set: AvSet, timing: TimingLog): number {
  const b = avBatch(
    set,
    Array.from({ length: 32 }, (_, i) => i),
  );
  model.eval();
  const ms = timeMs(
    () => tf.tidy(() => model.forward(b.audio, b.video, { audio: 4, video: 1 }).logits.dataSync()),
    timing,
  );
  model.train();
  tf.dispose([b.audio, b.video, b.y]);
  return ms;
}

interface MomeOutcome {
  rows: BenchRow[];
  claims: Claim[];
  notes: string[];
}

async function runMome(ctx: SuiteContext, timing: TimingLog): Promise<MomeOutcome> {
  const quick = ctx.quick;
  const preEpochs = quick ? 3 : 6;
  const epochs = quick ? 2 : 5;
  const perRateRates = quick ? HIGH : MOME_RATES;
  const arms = momeArms(quick);
  const variants: Record<string, VariantRuns> = {};
  const meanFlops = (m: AvModel) => mean(MOME_RATES.map((r) => m.flopsPerSample(r)));
  let testN = 0;
  for (const seed of ctx.seeds) {
    const av = makeAvDigits(ensureSpokenDigits({ seed }), { seed });
    testN = av.test.n;
    // 1. The backbone, pre-trained on the uncompressed task (both modalities at rate 1).
    setSeed(seed);
    const pre = new AvModel();
    const steps = (e: number, rates = 1) => e * rates * Math.floor(av.train.n / 32);
    let bar = ctx.progress(`mome backbone seed ${seed}`, steps(preEpochs));
    const preRun = await trainAvModel(pre, av.train, {
      rates: [FULL_RATE],
      epochs: preEpochs,
      seed,
      onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
    });
    bar.done();
    const frozenEval = evaluateAvModel(pre, av.test, [FULL_RATE, ...MOME_RATES]);
    record(
      variants,
      'frozen',
      { total: moduleCosts(pre).total, active: moduleCosts(pre).active, flops: meanFlops(pre) },
      {
        metrics: {
          accuracy: mean(MOME_RATES.map((r) => frozenEval[rateKey(r)].accuracy)),
          ...accuracyMetrics(frozenEval, [FULL_RATE, ...MOME_RATES]),
        },
        latencyMs: avLatency(pre, av.test, timing),
        trainSeconds: preRun.seconds,
      },
    );
    ctx.log(`mome seed ${seed}: backbone ${fmtAcc(frozenEval)} (${preRun.seconds.toFixed(1)} s)`);
    // 2. Adapters on the frozen backbone.
    for (const arm of arms) {
      const groups = arm.perRate ? perRateRates.map((r) => [r]) : [MOME_RATES];
      const metrics: Record<string, number> = {};
      let seconds = 0;
      let latency = 0;
      let last: AvModel | undefined;
      for (const rates of groups) {
        setSeed(seed + 1);
        const model = new AvModel({ adapter: arm.adapter });
        model.backbone.loadStateDict(pre.backbone.stateDict());
        model.freezeBackbone();
        bar = ctx.progress(
          `mome ${arm.variant}${arm.perRate ? ` ${rateKey(rates[0])}` : ''} seed ${seed}`,
          steps(epochs),
        );
        const run = await trainAvModel(model, av.train, {
          rates,
          epochs,
          seed,
          onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
        });
        bar.done();
        seconds += run.seconds;
        const evals = evaluateAvModel(model, av.test, rates);
        Object.assign(metrics, accuracyMetrics(evals, rates));
        if (model.adapters[0] && model.config.adapter.kind === 'mome') {
          const o = momeOverlap(evals, model.backbone.config);
          Object.assign(metrics, {
            jaccardAudio: o.audio.aligned,
            jaccardAudioOtherSample: o.audio.shuffled,
            jaccardVideo: o.video.aligned,
            jaccardVideoOtherSample: o.video.shuffled,
          });
        }
        latency = avLatency(model, av.test, timing);
        last?.dispose();
        last = model;
      }
      if (!arm.perRate) metrics.accuracy = mean(MOME_RATES.map((r) => metrics[`acc_${rateKey(r)}`]));
      const m = last as AvModel;
      record(
        variants,
        arm.variant,
        {
          total: m.backbone.countParams() + groups.length * m.adapterParams(),
          active: moduleCosts(m).active,
          flops: meanFlops(m),
        },
        { metrics, latencyMs: latency, trainSeconds: seconds },
      );
      m.dispose();
      ctx.log(
        `mome seed ${seed}: ${arm.variant} ${HIGH.map((r) => `${rateKey(r)} ${metrics[`acc_${rateKey(r)}`].toFixed(3)}`).join(', ')} (${seconds.toFixed(1)} s)`,
      );
    }
    pre.dispose();
  }
  const rows: BenchRow[] = [
    row('mome', 'frozen-backbone', 'av-digits', variants.frozen),
    ...arms.map((a) => row('mome', a.variant, 'av-digits', variants[a.variant])),
  ];
  return { rows, claims: momeClaims(rows, testN, quick), notes: momeNotes(quick, preEpochs, epochs) };
}

function fmtAcc(evals: Record<string, { accuracy: number }>): string {
  return Object.entries(evals)
    .map(([k, v]) => `${k} ${v.accuracy.toFixed(3)}`)
    .join(', ');
}

function momeClaims(rows: BenchRow[], testN: number, quick: boolean): Claim[] {
  const by = (v: string) => rows.find((r) => r.variant === v) as BenchRow;
  const mome = by('mome-e8k2-shared-router');
  const all = by('adapter-all-rates');
  const per = by('adapter-per-rate');
  const verdicts = HIGH.map((r) => {
    const k = `acc_${rateKey(r)}`;
    const best = Math.max(all.metrics[k], per.metrics[k]);
    const tol = Math.max(
      mome.spread?.[k] ?? 0,
      all.spread?.[k] ?? 0,
      per.spread?.[k] ?? 0,
      binomialSe((mome.metrics[k] + best) / 2, testN),
    );
    return {
      holds: mome.metrics[k] >= best - tol,
      text: `${rateKey(r)}: MoME ${fmt(mome.metrics, mome.spread, k)} vs per-rate ${fmt(per.metrics, per.spread, k)}, all-rates ${fmt(all.metrics, all.spread, k)} (tie within ${tol.toFixed(3)})`,
    };
  });
  const m = mome.metrics;
  const claims: Claim[] = [
    {
      id: 'mome-high-compression',
      paper: 'MoME (Cappellazzo et al., NeurIPS 2025)',
      statement:
        'at high compression (audio pooled by 8), MoME adapters on a frozen backbone are at least as accurate as one adapter per rate and as one adapter for all rates',
      holds: verdicts.every((v) => v.holds),
      evidence: `${verdicts.map((v) => v.text).join('; ')}; mean over the 6 rate pairs: MoME ${fmt(m, mome.spread, 'accuracy')}, all-rates ${fmt(all.metrics, all.spread, 'accuracy')}; frozen backbone without adapters ${HIGH.map((r) => by('frozen-backbone').metrics[`acc_${rateKey(r)}`].toFixed(3)).join(' / ')}`,
    },
    {
      id: 'mome-expert-overlap',
      paper: 'MoME (Cappellazzo et al., NeurIPS 2025)',
      statement:
        'with one router shared across rates, a compressed token picks experts that overlap with those of the tokens it pools (Jaccard above the same positions of another sample)',
      holds: m.jaccardAudio > m.jaccardAudioOtherSample && m.jaccardVideo > m.jaccardVideoOtherSample,
      evidence: `audio a2↔a4↔a8 Jaccard ${fmt(m, mome.spread, 'jaccardAudio')} vs other-sample ${m.jaccardAudioOtherSample.toFixed(3)}; video v1↔v2 ${fmt(m, mome.spread, 'jaccardVideo')} vs ${m.jaccardVideoOtherSample.toFixed(3)} (top-2 of 8 experts; two random 2-sets of 8 have Jaccard 5/28 = 0.18 on average)`,
    },
  ];
  if (!quick) {
    const pr = by('mome-e8k2-per-rate-routers').metrics;
    claims.push({
      id: 'mome-shared-router-overlap',
      paper: 'MoME (Cappellazzo et al., NeurIPS 2025)',
      statement: 'the shared router gives more cross-rate expert overlap than one router per rate',
      holds: m.jaccardAudio > pr.jaccardAudio && m.jaccardVideo > pr.jaccardVideo,
      evidence: `Jaccard audio ${m.jaccardAudio.toFixed(3)} (shared) vs ${pr.jaccardAudio.toFixed(3)} (per-rate routers); video ${m.jaccardVideo.toFixed(3)} vs ${pr.jaccardVideo.toFixed(3)}; accuracy ${m.accuracy.toFixed(3)} vs ${pr.accuracy.toFixed(3)}`,
    });
  }
  return claims;
}

function momeNotes(quick: boolean, preEpochs: number, epochs: number): string[] {
  return [
    'MoME task (av-digits): each spoken digit (speaker-disjoint split, noise clean/20/10/0 dB, 24 log-mel tokens x 64) is paired with an MNIST image of the same digit (train/test images from disjoint index ranges) with Gaussian pixel noise sigma 0/0.4/0.8, as 16 tokens of 7x7 patches. Chance is 0.1.',
    `Backbone (the frozen "LLM"): per-modality projectors + positions, 2 pre-norm blocks, D=32, GELU FFN 64, mean-pooled head; pre-trained ${preEpochs} epochs on the uncompressed pair a1v1, then frozen. Compression averages adjacent tokens (audio rate 2/4/8 -> 12/6/3 tokens, video rate 1/2 -> 16/8).`,
    `Adapters sit in parallel to each FFN and train ${epochs} epochs with the loss averaged over all 6 rate pairs per batch (per-rate models: their own pair only). MoME: 8 bottleneck experts (r=8), top-2, + 1 shared expert (r=8), one softmax router for all rates, Switch balance loss 0.01; dense adapters: bottleneck 24 = (2 routed + 1 shared) x 8.`,
    quick
      ? 'Quick mode trains the one-adapter-per-rate baseline only for the high-compression pairs a8v1 and a8v2 (the pairs the claim is about); full mode trains all 6 and adds the per-rate-routers ablation.'
      : 'Full mode adds MoME with one router per rate (ablation of the shared router).',
    'Jaccard: per adapter layer, the top-2 expert set of each coarse token vs that of each fine token it pools (a2<->a4, a4<->a8, a2<->a8 for audio at video rate 1; v1<->v2 for video at audio rate 2), averaged; *OtherSample pairs the same positions across different test samples. flopsPerSample is the mean over the 6 rate pairs; latency is one forward of 32 samples at a4v1; paramsTotal of adapter-per-rate counts the backbone once plus every per-rate adapter trained.',
  ];
}

/* ------------------------------------------------------------------------------------------------
 * MoMa: interleaved text + image-token language modelling
 * ---------------------------------------------------------------------------------------------- */

const MOMA_VARIANTS = [
  { arm: 'dense', variant: 'dense-swiglu64' },
  { arm: 'mixed8', variant: 'ec-mixed-8x64' },
  { arm: 'moma4t4i', variant: 'moma-4t4i-ec' },
] as const;

interface LmData {
  train: InterleavedSet;
  val: InterleavedSet;
  codebook: number;
}

function lmData(seed: number, quick: boolean): LmData {
  const trainImages = loadDigitImages(0, 300);
  const valImages = loadDigitImages(MNIST_SPLITS.test.from, 60);
  const k = 64;
  const codebook = fitImageCodebook(trainImages, { k, seed });
  const tok = interleavedTokenizer();
  const make = (images: typeof trainImages, n: number, s: number) =>
    makeInterleavedSet(images, encodeImages(images, codebook), codebook, tok, { n, seed: s });
  return {
    train: make(trainImages, quick ? 1280 : 3200, seed * 2),
    val: make(valImages, quick ? 256 : 512, seed * 2 + 1),
    codebook: k,
  };
}

function lmLatency(lm: InterleavedLM, set: InterleavedSet, routing: 'ec' | 'aux', timing: TimingLog): number {
  const b = lmBatch(
    set,
    Array.from({ length: 32 }, (_, i) => i),
  );
  lm.eval();
  const ms = timeMs(
    () => tf.tidy(() => lm.forward(b.input, b.inputModality, { routing }).logits.dataSync()),
    timing,
  );
  lm.train();
  tf.dispose([b.input, b.target, b.textMask, b.imageMask]);
  return ms;
}

async function runMoma(ctx: SuiteContext, timing: TimingLog): Promise<MomeOutcome> {
  const quick = ctx.quick;
  const epochs = quick ? 2 : 4;
  const auxEpochs = quick ? 3 : 4;
  const variants: Record<string, VariantRuns> = {};
  const series: Record<string, Record<string, number[]>> = {};
  const sequences: SequenceLosses = {};
  for (const seed of ctx.seeds) {
    const { train, val } = lmData(seed, quick);
    const tokens = train.seqLen - 1;
    let routed = 0;
    for (let i = 0; i < val.n; i++)
      for (let j = 0; j < tokens; j++) routed += val.modality[i * val.seqLen + j] > 0 ? 1 : 0;
    routed /= val.n;
    const curves: Record<string, LmCurves> = {};
    for (const { arm, variant } of MOMA_VARIANTS) {
      setSeed(seed);
      const lm = new InterleavedLM({ vocabSize: train.vocabSize, seqLen: tokens, ffn: MOMA_ARMS[arm] });
      const bar = ctx.progress(`moma ${variant} seed ${seed}`, epochs * Math.floor(train.n / 32));
      const cur = await trainLm(lm, train, {
        epochs,
        seed,
        onStep: (s) => bar.tick(1, { text: s.text.toFixed(2), image: s.image.toFixed(2) }),
      });
      bar.done();
      curves[arm] = cur;
      const ev = evaluateLm(lm, val, { routing: 'ec' });
      const m: Record<string, number> = { loss: ev.loss, lossText: ev.lossText, lossImage: ev.lossImage };
      (sequences[variant] ??= []).push({ ec: ev.perSequence });
      let seconds = cur.seconds;
      let latency = lmLatency(lm, val, 'ec', timing);
      if (arm !== 'dense') {
        const aux = await trainAuxRouters(lm, takeInterleaved(train, quick ? 640 : 1600), {
          epochs: auxEpochs,
          seed,
          lr: 1e-2,
        });
        seconds += aux.seconds;
        const causal = evaluateLm(lm, val, { routing: 'aux' });
        sequences[variant][sequences[variant].length - 1].causal = causal.perSequence;
        const agree = auxRouterAgreement(lm, val);
        const window = Math.max(5, Math.round(cur.loss.length / 10));
        const sv = (k: 'text' | 'image' | 'loss') => flopsSavings(cur[k], curves.dense[k], window).ratio;
        Object.assign(m, {
          lossCausal: causal.loss,
          lossTextCausal: causal.lossText,
          lossImageCausal: causal.lossImage,
          expertsPerTokenCausal: mean(Object.values(causal.expertsPerToken)),
          auxRouterAccuracy: agree.accuracy,
          auxRouterRecall: agree.recall,
          auxBceFinal: mean(aux.losses.slice(-5)),
          flopsSavingsText: sv('text'),
          flopsSavingsImage: sv('image'),
          flopsSavings: sv('loss'),
        });
        latency = (latency + lmLatency(lm, val, 'aux', timing)) / 2;
      }
      record(
        variants,
        variant,
        { total: lm.mainParams(), active: moduleCosts(lm).active, flops: lm.flopsPerSample(tokens, routed) },
        { metrics: m, latencyMs: latency, trainSeconds: seconds },
      );
      if (seed === ctx.seeds[0]) series[variant] = { trainLossText: cur.text, trainLossImage: cur.image };
      ctx.log(
        `moma seed ${seed}: ${variant} val loss text ${ev.lossText.toFixed(3)} image ${ev.lossImage.toFixed(3)}` +
          (m.lossCausal !== undefined ? `, causal ${m.lossCausal.toFixed(3)}` : '') +
          ` (${seconds.toFixed(1)} s)`,
      );
      lm.dispose();
    }
  }
  const rows = MOMA_VARIANTS.map(({ variant }) =>
    row('moma', variant, 'interleaved-lm', variants[variant], series[variant]),
  );
  return { rows, claims: momaClaims(rows, sequences), notes: momaNotes(quick, epochs, auxEpochs) };
}

type PerSequence = LmEvaluation['perSequence'];
/** Per variant, per seed: per-sequence validation losses with expert choice and with the aux routers. */
type SequenceLosses = Record<string, { ec: PerSequence; causal?: PerSequence }[]>;

function momaClaims(rows: BenchRow[], seqs: SequenceLosses): Claim[] {
  const [dense, mixed, moma] = rows;
  const key = { loss: 'loss', lossText: 'text', lossImage: 'image' } as const;
  /**
   * Tie margin of a comparison of metric k between rows a and b: the larger of their seed spreads
   * and the mean (over seeds) paired standard error of the per-sequence difference.
   */
  const tol = (k: keyof typeof key, a: BenchRow, b: BenchRow, causalA = false) => {
    const sa = seqs[a.variant];
    const sb = seqs[b.variant];
    const se = mean(
      sa.map((s, i) => pairedStandardError((causalA ? (s.causal ?? s.ec) : s.ec)[key[k]], sb[i].ec[key[k]])),
    );
    return Math.max(a.spread?.[causalA ? `${k}Causal` : k] ?? 0, b.spread?.[k] ?? 0, se);
  };
  const lower = (a: BenchRow, b: BenchRow, k: keyof typeof key) => a.metrics[k] < b.metrics[k] - tol(k, a, b);
  const f = (r: BenchRow, k: string) => fmt(r.metrics, r.spread, k);
  const sav = (r: BenchRow) =>
    `text ${f(r, 'flopsSavingsText')}x, image ${f(r, 'flopsSavingsImage')}x, overall ${f(r, 'flopsSavings')}x`;
  return [
    {
      id: 'moma-per-modality-loss',
      paper: 'MoMa (Lin et al., Meta 2024)',
      statement:
        'at equal FLOPs, MoMa (4 text + 4 image experts, expert choice in each group) reaches lower text and image loss than the FLOP-matched dense model, i.e. FLOPs savings > 1 per modality',
      holds:
        lower(moma, dense, 'lossText') &&
        lower(moma, dense, 'lossImage') &&
        moma.metrics.flopsSavingsText > 1 &&
        moma.metrics.flopsSavingsImage > 1,
      evidence: `val loss text ${f(moma, 'lossText')} vs dense ${f(dense, 'lossText')} (tie margin ${tol('lossText', moma, dense).toFixed(3)}), image ${f(moma, 'lossImage')} vs ${f(dense, 'lossImage')} (margin ${tol('lossImage', moma, dense).toFixed(3)}); FLOPs savings vs dense (training curves): MoMa ${sav(moma)}; 8 mixed experts ${sav(mixed)} (paper at 1.4B: MoMa 3.7x overall, text 2.6x, image 5.2x; mixed 3x); FLOPs/sample ${moma.flopsPerSample} vs ${dense.flopsPerSample}`,
    },
    {
      id: 'moma-vs-mixed-experts',
      paper: 'MoMa (Lin et al., Meta 2024)',
      statement:
        'modality-aware expert groups beat the same number of mixed experts (8, expert choice) at equal FLOPs',
      holds: lower(moma, mixed, 'loss'),
      evidence: `val loss ${f(moma, 'loss')} (MoMa) vs ${f(mixed, 'loss')} (mixed), tie margin ${tol('loss', moma, mixed).toFixed(3)}; text ${f(moma, 'lossText')} vs ${f(mixed, 'lossText')}; image ${f(moma, 'lossImage')} vs ${f(mixed, 'lossImage')}`,
    },
    {
      id: 'moma-causal-aux-routers',
      paper: 'MoMa (Lin et al., Meta 2024)',
      statement:
        'with the auxiliary routers (causal inference, no look at other tokens of the batch) MoMa still has lower validation loss than the dense model',
      holds: moma.metrics.lossCausal < dense.metrics.loss - tol('loss', moma, dense, true),
      evidence: `MoMa loss with aux routers ${f(moma, 'lossCausal')} (tie margin ${tol('loss', moma, dense, true).toFixed(3)}) (text ${f(moma, 'lossTextCausal')}, image ${f(moma, 'lossImageCausal')}) vs with expert choice ${f(moma, 'loss')} vs dense ${f(dense, 'loss')}; aux routers match EC decisions ${f(moma, 'auxRouterAccuracy')} (recall of chosen pairs ${f(moma, 'auxRouterRecall')}), ${f(moma, 'expertsPerTokenCausal')} experts per token at inference (EC: 1); mixed with aux routers ${f(mixed, 'lossCausal')}`,
    },
  ];
}

function momaNotes(quick: boolean, epochs: number, auxEpochs: number): string[] {
  return [
    `MoMa task (interleaved-lm): MNIST digits as 16 image tokens (k-means codebook of 64 codes over 7x7 patches, fitted per seed), in sequences of two (word, image) pairs, caption first ("<bos> seven <img> c1..c16 and two <img> ... <eos>") or image first ("<bos> <img> c1..c16 is seven , <img> ... is two <eos>"), 41 tokens; ${quick ? 1280 : 3200} training sequences (train image range), ${quick ? 256 : 512} validation sequences from held-out images. Next-token loss split by the modality of the target token.`,
    `Causal LM: D=32, 4 heads, 2 pre-norm blocks, SwiGLU hidden 64 for the dense FFN and for every expert; ${epochs} epochs, batch 32, AdamW 3e-3 warmup+cosine. Expert choice (sigmoid scores, capacity = tokens of the group in the batch / experts of the group) runs one expert per token on average, so all arms have the same FFN FLOPs (the dense FFN also runs on the few padding positions).`,
    `Auxiliary routers (sigmoid(SiLU(x W1) W2), W1 D x D/2) per layer and group, trained afterwards ${auxEpochs} epochs (lr 1e-2) with BCE against the EC decisions on training batches, main model frozen; *Causal metrics route with them (expert j if p_j > 0.5, weight from the main router), on the same validation batches. auxRouterAccuracy is over (token, expert) decisions.`,
    "FLOPs savings: from the smoothed per-step training curves (window max(5, steps/10)) at equal FLOPs per step: steps the dense model needs for its final loss / steps the MoE arm needs to reach it (< 1: the dense model reaches the arm's final loss earlier). Rows' series hold the seed-0 training curves.",
  ];
}

/* ------------------------------------------------------------------------------------------------
 * The part
 * ---------------------------------------------------------------------------------------------- */

/**
 * The audio-visual and language-modelling half of the `multimodal` suite: MoME on audio-visual
 * digits at token compression rates (vs one adapter per rate and one adapter for all rates, expert
 * overlap across rates) and MoMa on interleaved text + image-token language modelling (vs a
 * FLOP-matched dense model and 8 mixed experts; auxiliary routers for causal inference; FLOPs
 * savings per modality).
 */
export async function runAvlmPart(ctx: SuiteContext): Promise<SuiteResult> {
  const timing = new TimingLog();
  const mome = await runMome(ctx, timing);
  const moma = await runMoma(ctx, timing);
  return {
    rows: [...mome.rows, ...moma.rows],
    claims: [...mome.claims, ...moma.claims],
    notes: [...mome.notes, ...moma.notes],
    mainMetrics: [
      'accuracy',
      'acc_a8v2',
      'acc_a8v1',
      'jaccardAudio',
      'lossText',
      'lossImage',
      'lossCausal',
      'flopsSavings',
    ],
    timing: timing.summary(),
  };
}
