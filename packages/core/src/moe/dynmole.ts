import { DynMoleConfig, DynMoleConfigInput, DynMoleConfigSchema } from '../config/lora';
import { parseConfig } from '../config/parse';
import type { SlotContext } from '../nn/ffn-slot';
import { tf } from '../tf';
import { combineMatrix } from './dispatch/dense';
import { LoraRoutedLayer } from './lora-layer';
import type { Routing } from './routed-layer';
import { TsallisHybridRouter } from './routers/tsallis-hybrid';
import { tsallisEntropyLoss } from './tsallis';

/** Mean over the (real) tokens of each column of m [T, E] -> [E]. */
function tokenMean(m: tf.Tensor2D, valid?: tf.Tensor1D): tf.Tensor1D {
  if (!valid) return tf.mean(m, 0) as tf.Tensor1D;
  return tf.div(tf.sum(tf.mul(m, tf.expandDims(valid, -1)), 0), tf.maximum(tf.sum(valid), 1)) as tf.Tensor1D;
}

/**
 * DynMoLE's layer (Li et al. 2025, "DynMoLE: Boosting Mixture of LoRA Experts Fine-Tuning with a
 * Hybrid Routing Mechanism", arXiv 2504.00661): MixLoRA's LoRA experts over a frozen FFN
 * ({@link LoraExperts}) routed by the Tsallis-entropy hybrid router ({@link TsallisHybridRouter}:
 * soft routing over every expert for uncertain tokens, top-p with at least `topK` experts for
 * confident ones, weights = the router's probabilities, not renormalised), with DynMoLE's two
 * losses: `entropy · mean_t S_q(p_t)` (the Tsallis-entropy loss, pushing the router towards
 * confident, sparse routing) and `aux · E · Σ_e mean_t(w_te) · mean_t(p_te)` (load balance on the
 * kept weights). Output: the frozen FFN plus the weighted LoRA updates,
 * `FFN(x) + Σ_e w_e (FFN_e(x) - FFN(x))`; with the B factors at zero it equals the frozen FFN.
 *
 * @example
 * ```ts
 * const layer = new DynMoleLayer({ dim: 32, hidden: 64, numExperts: 4, topK: 1, rank: 4, q: 1.1 });
 * layer.loadBase(block.ffn as GeluFFN);
 * const { y, aux } = layer.forward(x); // aux.losses: { aux, entropy }
 * ```
 */
export class DynMoleLayer extends LoraRoutedLayer {
  readonly config: DynMoleConfig;
  readonly router: TsallisHybridRouter;

  constructor(config: DynMoleConfigInput) {
    const c = parseConfig(DynMoleConfigSchema, config, 'DynMoLE layer config');
    super(c, {
      dispatch: c.dispatch,
      capacityFactor: c.capacityFactor,
      losses: { aux: c.losses.aux, z: 0, cv2: 0, seqAux: 0 },
    });
    this.config = c;
    this.router = this.child(
      'router',
      new TsallisHybridRouter({
        dim: c.dim,
        numExperts: c.numExperts,
        k: c.topK,
        q: c.q,
        threshold: c.threshold,
        topP: c.topP,
      }),
    );
  }

  /** DynMoLE's load balance on the kept weights and its Tsallis-entropy loss. Runs inside `tf.tidy`. */
  protected override balanceLosses(
    route: Routing,
    _counts: tf.Tensor1D,
    ctx: SlotContext,
  ): Record<string, tf.Scalar> {
    const { aux, entropy } = this.config.losses;
    const { probs, assignment } = route;
    const [t, e] = probs.shape;
    const out: Record<string, tf.Scalar> = {};
    if (aux > 0) {
      const kept = combineMatrix(assignment, t, e);
      const balance = tf.mul(e, tf.sum(tf.mul(tokenMean(kept, ctx.valid), tokenMean(probs, ctx.valid))));
      out.aux = tf.mul(aux, balance) as tf.Scalar;
    }
    if (entropy > 0) out.entropy = tf.mul(entropy, tsallisEntropyLoss(probs, this.router.q, ctx.valid));
    return out;
  }
}
