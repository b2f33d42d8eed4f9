import { RestorationNet, type RestorationFfnConfigInput } from '@moe-zoo/restoration';
import type { ParamCounts, SlotParams } from './claims';
import { DIM, PARAM_EXPERTS } from './plan';

/** Parameters of one routed FFN layer (the first block's) and of the whole net, from a constructed net. */
function slotParams(ffn: RestorationFfnConfigInput): SlotParams {
  const net = new RestorationNet({ dim: DIM, ffn });
  try {
    const [layer] = net.routedLayers();
    return { ffnLayer: layer.countParams(), wholeNet: net.countParams() };
  } finally {
    net.dispose();
  }
}

/**
 * Parameter counts per E (constructed, not trained) of the parallel-FFN MoE (experts of hidden
 * 4D) and of MoFME with linear and vector FM: one FFN layer (router included) and the whole net.
 */
export function paramCounts(): ParamCounts[] {
  return PARAM_EXPERTS.map((e) => ({
    numExperts: e,
    moe: slotParams({ kind: 'moe', moe: { hidden: 4 * DIM, numExperts: e, topK: 2 } }),
    linear: slotParams({ kind: 'mofme', mofme: { numExperts: e, topK: 2, modulation: 'linear' } }),
    vector: slotParams({ kind: 'mofme', mofme: { numExperts: e, topK: 2, modulation: 'vector' } }),
  }));
}
