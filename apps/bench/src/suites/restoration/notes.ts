import { FFN_PARAM_SHARE_BAR, NMI_EXCESS_MARGIN, PSNR_PARITY_MARGIN_DB, type ParamCounts } from './claims';
import {
  AUX_LOSS,
  BALANCE_EVERY,
  BATCH_SIZE,
  DIM,
  LATENCY_BATCH,
  LR,
  SHUFFLES,
  type RestorationPlan,
} from './plan';

const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;

/** Parameters per FFN layer and of the whole net by E: MoFME's cost is nearly flat in E. */
function paramNote(params: readonly ParamCounts[]): string {
  const parts = params.map(
    ({ numExperts: e, moe, linear, vector }) =>
      `E=${e}: MoE ${moe.ffnLayer} / ${moe.wholeNet}, MoFME-linear ${linear.ffnLayer} (${pct(linear.ffnLayer, moe.ffnLayer)}) / ${linear.wholeNet} (${pct(linear.wholeNet, moe.wholeNet)}), MoFME-vector ${vector.ffnLayer} (${pct(vector.ffnLayer, moe.ffnLayer)}) / ${vector.wholeNet} (${pct(vector.wholeNet, moe.wholeNet)})`,
  );
  return `Parameters per FFN layer (router included) / of the whole net (2 blocks, D=${DIM}) by E: ${parts.join('; ')}. Per FFN layer linear FM is about (2+2E+8)/(8E) of the MoE, vector FM about 10/(8E); the paper's > 72% saving is a share <= ${FFN_PARAM_SHARE_BAR}.`;
}

/** The restoration suite's notes: failures, data, net and training, what full mode runs, timing, measures. */
export function restorationNotes(o: {
  plan: RestorationPlan;
  seeds: readonly number[];
  params: readonly ParamCounts[];
  failed: readonly string[];
}): string[] {
  const { plan, seeds } = o;
  return [
    ...o.failed.map((f) => `FAILED (no rows or no latency): ${f}`),
    `Clean patches: random 32x32 crops of 5 @stdlib photos (downscaled 3x); test patches from 2 other photos kept for test only. ${plan.trainPatches} train / ${plan.testPatches} test patches, weather types cycled (rain, snow, haze, mixed), degradations seeded per patch. Whole photos: ${plan.photos === 1 ? 'the first test photo' : `the ${plan.photos} test photos`} ${plan.photoScale ? `downscaled ${plan.photoScale}x (${Math.round(1024 / plan.photoScale)} px wide)` : 'at full resolution (1024 px wide)'}, each degraded by each weather type and restored whole by restoreImage (32x32 tiles, overlap 8, blended): photoPsnr / photoSsim, with the degraded photo's own as photoInputPsnr / photoInputSsim.`,
    `Net: conv head (3->16), 4x4 patch tokens (64 per tile), D=${DIM}, 2 pre-norm blocks with the FFN slot under test, linear tail + conv fuse, zero-initialised output conv, global residual; PSNR loss (the negative mean per-patch PSNR: the batch MSE let haze's large errors drown rain and snow, and L1 left them at the identity), AdamW ${LR} warmup+cosine, batch ${BATCH_SIZE}, ${plan.epochs} epochs, seeds ${seeds.join(', ')}.`,
    `Routing: every routed arm (MoE and MoFME alike) has the released code's router, Linear(D, E) with bias on the un-normalised residual stream (the bias centred on the first training batch so no expert pair takes every token at step 1), and the Switch aux loss at ${AUX_LOSS}; MoFME's own recipe has no balancing loss, and without one its routers collapse (MaxVio at its ceiling E/k - 1 from the first step). An arm whose MaxVio at the first logged step (step ${BALANCE_EVERY}) is at that ceiling fails loudly.`,
    'Arms of the same shape start from the same weights for a seed and see the same batches; every arm is evaluated on the same test patches in the same order: PSNR differences are paired over seeds (t) and over test patches (items.psnr, per-patch PSNR of the clipped output; items.inputPsnr of the degraded input; paired item differences).',
    `Claims: PSNR parity margin ${PSNR_PARITY_MARGIN_DB} dB and routing-weather NMI excess margin ${NMI_EXCESS_MARGIN} (both declared before the run); parameter share per FFN layer <= ${FFN_PARAM_SHARE_BAR} (exact); latency ratio from the interleaved timing rounds, decided only when the machine was idle.`,
    `Routed arms train with sorted (dropless) dispatch, which gives the same outputs as dense dispatch (all experts on every token, as MoFME's released code) with fewer FLOPs; latencyMs_* time the same weights on each dispatch path (median ms of one forward pass of ${LATENCY_BATCH} tiles; samples per round in the row series latencySamplesMs_*); after training, every arm and dispatch path is timed together, interleaved in rotating order (${plan.latencyReps} rounds after one warm-up round).`,
    `routeWeatherNmi: mutual information between a test patch's weather type and the experts chosen for its tokens in the last routed layer, / log2(4); *Shuffled / *ShuffledMax: mean / largest over ${SHUFFLES} weather-label shuffles; *P: the permutation p-value. The expert-load charts per group show each weather type's share of that layer's assignments per expert (first seed).`,
    paramNote(o.params),
  ];
}
