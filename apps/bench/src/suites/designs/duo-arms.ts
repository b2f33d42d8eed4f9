/**
 * The Duo-LLM study's model and sizes (Alizadeh et al. 2024, arXiv 2410.10846): the suite's patch
 * classifier, deeper, with a Duo slot (small FFN, big FFN, skip) in every block.
 */
import { DUO_BIG, DUO_SMALL, DuoFfn, TokenClassifier } from '@moe-zoo/core';
import { LORA_BASE_HIDDEN, MODEL } from './plan';

/**
 * Three Duo blocks (27 routing patterns per image); the big module is the width of the suite's
 * dense FFN (64), the small one a quarter of it; choices per image (`routeBy: 'sequence'`), the
 * classifier's unit of prediction. `compute` is the routers' compute-penalty coefficient λ: 0, the
 * routers learn from the task loss alone and their compute is measured (in a quick run λ = 0.05
 * sent no image to the big module and λ = 0.01 3% of the choices).
 */
export const DUO = { depth: 3, smallHidden: 16, bigHidden: LORA_BASE_HIDDEN, compute: 0 } as const;

/** The study's task name and its rows' variants. */
export const DUO_TASK = 'duo-routing';
export const DUO_VARIANTS = {
  allBig: 'duo-all-big',
  allSmall: 'duo-all-small',
  random: 'duo-random',
  router: 'duo-router',
  oracle: 'duo-oracle',
  oneBig: 'duo-oracle-one-big',
} as const;

/** Router training on the frozen model, per mode: epochs of the suite's batches, peak learning rate. */
export interface DuoPlan {
  routerEpochs: number;
  routerLr: number;
}

/**
 * Quick: 2 epochs (16 steps); full: 3 epochs (117 steps); tiny: 1 epoch (2 steps); peak learning
 * rate 1e-2 for the routers alone.
 */
export function duoPlan(quick: boolean, tiny = false): DuoPlan {
  if (tiny) return { routerEpochs: 1, routerLr: 1e-2 };
  return quick ? { routerEpochs: 2, routerLr: 1e-2 } : { routerEpochs: 3, routerLr: 1e-2 };
}

/** The suite's classifier with {@link DUO}'s depth and a Duo slot, random routing, in every block. */
export function duoClassifier(): TokenClassifier {
  const model = new TokenClassifier({
    ...MODEL,
    depth: DUO.depth,
    ffn: { kind: 'dense', hidden: DUO.bigHidden },
  });
  for (const block of model.blocks) {
    const slot = new DuoFfn({
      dim: MODEL.dim,
      smallHidden: DUO.smallHidden,
      bigHidden: DUO.bigHidden,
      routeBy: 'sequence',
      routing: 'random',
      losses: { compute: DUO.compute },
    });
    block.replaceFfn(slot).dispose();
  }
  return model;
}

/** The Duo slots of a {@link duoClassifier}, in block order. */
export function duoLayers(model: TokenClassifier): DuoFfn[] {
  return model.blocks.map((b) => {
    if (!(b.ffn instanceof DuoFfn)) throw new Error('duoLayers: a block without a Duo slot');
    return b.ffn;
  });
}

/** The paper's "big module in one layer": big in exactly one layer, small in the others. */
export function oneBigLayer(pattern: readonly number[]): boolean {
  return (
    pattern.filter((c) => c === DUO_BIG).length === 1 &&
    pattern.every((c) => c === DUO_BIG || c === DUO_SMALL)
  );
}
