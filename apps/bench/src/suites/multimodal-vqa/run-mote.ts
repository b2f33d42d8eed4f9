/** The MoTE part of one seed: up-cycle the dense source into MoTE, its ablations and FP MoEs; train only the MoE layers. */
import { GeluFFN, setSeed } from '@moe-zoo/core';
import {
  buildFloatMoe,
  buildMote,
  continueDense,
  equalMemoryHidden,
  floatExpertBytes,
  moeLayerIndices,
  MoTELayer,
  packedBytes,
  packTernaryExperts,
  trainVqa,
  type VqaSet,
  type VqaTransformer,
} from '@moe-zoo/multimodal';
import type { SuiteContext } from '../../types';
import { MOTE_SOURCE, moteArms, type MoteArm, type MoteRowKey } from './arms';
import type { VqaPlan } from './plan';
import { expertMemory, measure, type Measured } from './run-measure';

/** Expert memory per MoE layer of the MoTE part's arms, in bytes, and the widths it implies. */
export interface MoteMemoryLayout {
  denseHidden: number;
  /** Width of each expert of the equal-memory FP MoE. */
  moteHidden: number;
  /** MoTE's frozen float32 shared FFN. */
  sharedFfnBytes: number;
  /** MoTE's 4 ternary experts, packed. */
  packedExpertBytes: number;
  moteBytes: number;
  equalMemoryBytes: number;
  equalCountBytes: number;
}

/** One seed's MoTE part: measurements and row heads by key, and the memory layout. */
export interface MoteSeed {
  measured: Map<MoteRowKey, Measured>;
  heads: Map<MoteRowKey, { model: string; variant: string }>;
  layout: MoteMemoryLayout;
}

/** The arm made from the dense source. */
function buildArm(arm: MoteArm, dense: VqaTransformer): VqaTransformer {
  if ('mote' in arm) return buildMote(dense, arm.mote);
  return 'float' in arm ? buildFloatMoe(dense, arm.float) : continueDense(dense);
}

/** MoTE's memory per layer (from a probe built from `dense`) and the equal-memory FP expert width. */
async function memoryLayout(dense: VqaTransformer, dim: number): Promise<MoteMemoryLayout> {
  const probe = buildMote(dense, {});
  const layers = moeLayerIndices(dense.config.depth);
  const moteBytes = expertMemory(probe) / layers.length;
  const packed = packedBytes(await packTernaryExperts((probe.blocks[layers[0]].ffn as MoTELayer).experts));
  probe.dispose();
  const denseHidden = (dense.blocks[layers[0]].ffn as GeluFFN).hidden;
  const moteHidden = equalMemoryHidden(moteBytes, dim, 4);
  return {
    denseHidden,
    moteHidden,
    sharedFfnBytes: floatExpertBytes(1, dim, denseHidden),
    packedExpertBytes: packed,
    moteBytes,
    equalMemoryBytes: floatExpertBytes(4, dim, moteHidden),
    equalCountBytes: floatExpertBytes(4, dim, denseHidden),
  };
}

/**
 * Measures the dense source, then trains every MoTE-part arm up-cycled from it on `train` (the
 * largest training set) and tests it on `test`. Disposes `dense`.
 */
export async function runMotePart(
  ctx: SuiteContext,
  plan: VqaPlan,
  seed: number,
  data: { dense: VqaTransformer; train: VqaSet; test: VqaSet },
): Promise<MoteSeed> {
  const { dense, train, test } = data;
  const measured = new Map<MoteRowKey, Measured>();
  const heads = new Map<MoteRowKey, { model: string; variant: string }>();
  const source = await measure(dense, test, 0, [], ctx.timing);
  source.metrics.expertBytes = expertMemory(dense);
  measured.set('source', source);
  heads.set('source', MOTE_SOURCE);
  setSeed(seed);
  const layout = await memoryLayout(dense, plan.dim);
  for (const arm of moteArms(layout.denseHidden, layout.moteHidden)) {
    setSeed(seed * 100 + 7);
    const model = buildArm(arm, dense);
    const bar = ctx.progress(
      `mote ${arm.key} seed ${seed}`,
      plan.moteEpochs * Math.floor(train.n / plan.batchSize),
    );
    const r = await trainVqa(model, train, {
      batchSize: plan.batchSize,
      seed,
      epochs: plan.moteEpochs,
      onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
    });
    bar.done();
    const m = await measure(model, test, r.seconds, r.maxVio, ctx.timing);
    m.metrics.expertBytes = expertMemory(model);
    measured.set(arm.key, m);
    heads.set(arm.key, { model: arm.model, variant: arm.variant });
    ctx.log(
      `mote ${arm.key} seed ${seed}: accuracy ${m.metrics.accuracy.toFixed(3)} (${r.seconds.toFixed(1)} s)`,
    );
    model.dispose();
  }
  dense.dispose();
  return { measured, heads, layout };
}
