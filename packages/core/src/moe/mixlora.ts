import { MixLoraConfig, MixLoraConfigInput, MixLoraConfigSchema } from '../config/lora';
import { parseConfig } from '../config/parse';
import { LoraRoutedLayer } from './lora-layer';
import { createRouter, type Router } from './routers';

/**
 * MixLoRA's layer (Li et al. 2024, arXiv 2404.15159): the FFN of a trained model, frozen, turned
 * into a Mixture-of-Experts of LoRA experts ({@link LoraExperts}: the frozen FFN with each
 * expert's low-rank updates), a top-k router (softmax top-2 by default; any core router config)
 * and the Switch aux loss. Output: `FFN(x) + Σ_k w_k (FFN_k(x) - FFN(x))`, which with the
 * renormalised top-k weights is MixLoRA's `Σ_k w_k FFN_k(x)`. With the B factors at zero the
 * layer equals the frozen FFN; only the router and the LoRA factors train. Load the trained FFN
 * with {@link loadBase}.
 *
 * @example
 * ```ts
 * const layer = new MixLoraLayer({ dim: 32, hidden: 64, numExperts: 4, topK: 2, rank: 4 });
 * layer.loadBase(block.ffn as GeluFFN); // the trained model's FFN, frozen
 * const { y, aux } = layer.forward(x);  // y = the FFN's output until the experts train
 * ```
 */
export class MixLoraLayer extends LoraRoutedLayer {
  readonly config: MixLoraConfig;
  readonly router: Router;

  constructor(config: MixLoraConfigInput) {
    const c = parseConfig(MixLoraConfigSchema, config, 'MixLoRA layer config');
    super(c, {
      dispatch: c.dispatch,
      capacityFactor: c.capacityFactor,
      losses: { aux: c.losses.aux, z: c.losses.z, cv2: 0, seqAux: 0 },
    });
    this.config = c;
    this.router = this.child('router', createRouter(c.router, c.dim, c.numExperts, c.topK));
  }
}
