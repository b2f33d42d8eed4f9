import { FFN_PARAM_SHARE_BAR, PSNR_PARITY_MARGIN_DB, type ParamCounts } from './claims';
import { BATCH_SIZE, DIM, LATENCY_BATCH, LR, type RestorationPlan } from './plan';

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
    `Clean patches: random 32x32 crops of 5 @stdlib photos (downscaled 3x); test patches from 2 other photos kept whole for test only. ${plan.trainPatches} train / ${plan.testPatches} test patches, weather types cycled (rain, snow, haze, mixed), degradations seeded per patch.`,
    `Net: conv head (3->16), 4x4 patch tokens (64 per tile), D=${DIM}, 2 pre-norm blocks with the FFN slot under test, linear tail + conv fuse, global residual; L1 loss, AdamW ${LR} warmup+cosine, batch ${BATCH_SIZE}, ${plan.epochs} epochs, seeds ${seeds.join(', ')}${plan.sweep.length > 0 ? `; E/k sweep: MoE and linear FM at ${plan.sweep.map(([e, k]) => `E=${e} k=${k}`).join(', ')}` : ''}.`,
    'Arms of the same shape start from the same weights for a seed and see the same batches; every arm is evaluated on the same test patches in the same order: PSNR differences are paired over seeds (t) and over test patches (items.psnr, per-patch PSNR of the clipped output; paired item differences).',
    `Claims: PSNR parity margin ${PSNR_PARITY_MARGIN_DB} dB (declared before the run); parameter share per FFN layer <= ${FFN_PARAM_SHARE_BAR} (exact); latency ratio from the interleaved timing rounds, decided only when the machine was idle.`,
    `MoFME trains with dense FM dispatch (all experts, as the released code); MoE trains with sorted (dropless) dispatch; latencyMs_* time the same weights on each dispatch path (median ms of one forward pass of ${LATENCY_BATCH} tiles; samples per round in the row series latencySamplesMs_*; sweep arms on their own path only); after training, every arm and dispatch path is timed together, interleaved in rotating order (${plan.latencyReps} rounds after one warm-up round). No balancing loss in either (as in MoFME).`,
    'routeTaskInfo: mutual information between weather type and expert from per-type mean router distributions, / log2(4), averaged over the routed layers.',
    paramNote(o.params),
  ];
}
