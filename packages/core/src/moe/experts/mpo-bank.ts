import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { normalInit } from '../../nn/init';
import { tf } from '../../tf';
import { nextSeed } from '../../utils/random';
import { groupedMatMul } from '../grouped-matmul';
import { unaryCustomGrad } from '../ops';
import { ActivationName, activate } from './activation';
import { ExpertBank } from './bank';
import { balancedFactors, centralCore, mpoBonds, mpoEntryOrder, type MpoLayout } from './mpo';
import { MpoBankOptionsSchema } from './mpo-options';

/** Options of the bank (see `MpoBankOptionsSchema`: strict, sizes and factorisations checked). */
export type MpoBankOptions = z.input<typeof MpoBankOptionsSchema>;

/** The two weights of the experts' FFN. */
type WeightName = 'w1' | 'w2';

/**
 * MPOE's experts (Gao et al. 2022, "Parameter-Efficient Mixture-of-Experts Architecture for
 * Pre-trained Language Models", COLING 2022, arXiv:2203.01104): E two-layer FFN experts
 * `act(x W1[e] + b1[e]) W2[e] + b2[e]` whose weights are matrix product operators. W1 [D, H] with
 * D = i_1 ··· i_n, H = j_1 ··· j_n is the chain of n cores T_k [d_{k-1}, i_k, j_k, d_k]
 * (W2 [H, D] the same with i and j swapped); the central core (k = (n+1)/2) is one tensor shared
 * by every expert (`w1Central`, `w2Central`), the auxiliary cores (`w1Aux0`, …) and biases are
 * each expert's own [E, …]. With `shareCentral: false` every expert has its own central core
 * (plain MPO experts, the paper's ablation).
 *
 * The gradient mask (section 3.3): every expert's tokens update the shared central tensor, each
 * expert's auxiliaries only its own tokens, so the central tensor is pulled E ways. The central
 * gradient is multiplied by `centralGradScale` and, in training, by a fresh Bernoulli(`keep`)
 * mask per forward pass (`centralGradKeep`, entries dropped with probability 1 - keep, not
 * rescaled); the forward values are untouched.
 *
 * The forward pass contracts each expert's chain into its dense W1 and W2 (once per call, not per
 * token) and runs them as {@link FfnExperts} does; {@link flopsPerToken} is the FFN's.
 * Parameters: the central cores once ({@link sharedParams}), the auxiliary cores and biases per
 * expert ({@link paramsPerExpert}), so `countParams() = sharedParams() + E · paramsPerExpert()`
 * and a routed layer's active parameters count the shared cores once.
 * `mpoExpertsFromFfn` builds one from trained FFN experts.
 *
 * @example
 * ```ts
 * const experts = new MpoExperts({ numExperts: 8, dim: 64, hidden: 256, cores: 5, bondDim: 16 });
 * const y = experts.forwardAll(x); // [8, T, 64]
 * ```
 */
export class MpoExperts extends ExpertBank {
  readonly hidden: number;
  readonly activation: ActivationName;
  readonly cores: number;
  /** Index of the central core. */
  readonly central: number;
  readonly shareCentral: boolean;
  readonly centralGradScale: number;
  readonly centralGradKeep: number;
  /** Layout of W1 [D, H] (W2's is the same with rows and columns swapped). */
  readonly layout: MpoLayout;
  /** Cores of W1 and W2 by position; the central one [d, i, j, d'] (shared) or [E, d, i, j, d']. */
  readonly w1Cores: readonly tf.Variable[];
  readonly w2Cores: readonly tf.Variable[];
  readonly b1: tf.Variable;
  readonly b2: tf.Variable;
  private readonly entryOrders: Record<WeightName, { order: Int32Array; inverse: Int32Array }>;

  constructor(options: MpoBankOptions) {
    const o = parseConfig(MpoBankOptionsSchema, options, 'MPO experts options');
    super(o.numExperts, o.dim);
    const n = o.cores ?? o.dimFactors?.length ?? o.hiddenFactors?.length ?? 5;
    this.hidden = o.hidden;
    this.activation = o.activation ?? 'gelu';
    this.cores = n;
    this.central = centralCore(n);
    this.shareCentral = o.shareCentral ?? true;
    this.centralGradScale = o.centralGradScale ?? 1;
    this.centralGradKeep = o.centralGradKeep ?? 1;
    const rowFactors = o.dimFactors ?? balancedFactors(o.dim, n);
    const colFactors = o.hiddenFactors ?? balancedFactors(o.hidden, n);
    this.layout = { rowFactors, colFactors, bonds: mpoBonds(rowFactors, colFactors, o.bondDim) };
    this.entryOrders = {
      w1: entryOrders(rowFactors, colFactors),
      w2: entryOrders(colFactors, rowFactors),
    };
    this.w1Cores = this.registerCores('w1', o.dim);
    this.w2Cores = this.registerCores('w2', o.hidden);
    this.b1 = this.param('b1', tf.zeros([o.numExperts, o.hidden]));
    this.b2 = this.param('b2', tf.zeros([o.numExperts, o.dim]));
  }

  /** Shape of core k of `w1` or `w2` without the expert axis: [d_{k-1}, i_k, j_k, d_k]. */
  coreShape(name: WeightName, k: number): [number, number, number, number] {
    const { rowFactors, colFactors, bonds } = this.layout;
    const [i, j] = name === 'w1' ? [rowFactors[k], colFactors[k]] : [colFactors[k], rowFactors[k]];
    return [bonds[k], i, j, bonds[k + 1]];
  }

  /** Whether core k is one tensor for all experts. */
  isShared(k: number): boolean {
    return this.shareCentral && k === this.central;
  }

  /**
   * Random cores whose product has the variance of a fan-in uniform weight (1 / (3·fanIn)):
   * an entry of W sums ∏ d_k products of n core entries, so each core gets variance
   * (1 / (3·fanIn·∏ d_k))^(1/n).
   */
  private registerCores(name: WeightName, fanIn: number): tf.Variable[] {
    const paths = this.layout.bonds.reduce((p, d) => p * d, 1);
    const std = Math.sqrt((1 / (3 * fanIn * paths)) ** (1 / this.cores));
    return Array.from({ length: this.cores }, (_, k) => {
      const shape = this.coreShape(name, k);
      const shared = this.isShared(k);
      const label = k === this.central ? `${name}Central` : `${name}Aux${k}`;
      return this.param(label, normalInit(shared ? shape : [this.numExperts, ...shape], std));
    });
  }

  /**
   * Each expert's dense weight, its chain contracted: `w1` [E, D, H] or `w2` [E, H, D]. The central
   * core passes through the gradient mask.
   */
  expertWeights(name: WeightName): tf.Tensor3D {
    return tf.tidy(() => {
      const e = this.numExperts;
      const cores = name === 'w1' ? this.w1Cores : this.w2Cores;
      const core = (k: number): tf.Tensor3D => {
        const [d0, i, j, d1] = this.coreShape(name, k);
        const t = k === this.central ? this.maskCentralGradient(cores[k]) : cores[k];
        if (!this.isShared(k)) return tf.reshape(t, [e, d0, i * j * d1]);
        return tf.broadcastTo(tf.reshape(t, [1, d0, i * j * d1]), [e, d0, i * j * d1]);
      };
      let chain = tf.reshape(core(0), [e, -1, this.coreShape(name, 0)[3]]) as tf.Tensor3D;
      for (let k = 1; k < this.cores; k++) {
        const d1 = this.coreShape(name, k)[3];
        chain = tf.reshape(tf.matMul(chain, core(k)), [e, -1, d1]);
      }
      const [rows, cols] = name === 'w1' ? [this.dim, this.hidden] : [this.hidden, this.dim];
      return tf.reshape(this.toRowMajor(tf.reshape(chain, [e, -1]) as tf.Tensor2D, name), [e, rows, cols]);
    });
  }

  /** The chain's entries [E, I·J] in W's row-major order, through a permutation whose gradient is the inverse permutation. */
  private toRowMajor(chain: tf.Tensor2D, name: WeightName): tf.Tensor2D {
    const { order, inverse } = this.entryOrders[name];
    const back = tf.tensor1d(inverse, 'int32');
    return unaryCustomGrad(
      chain,
      (c) => tf.gather(c, tf.tensor1d(order, 'int32'), 1),
      (dy, [inv]) => tf.gather(dy, inv, 1),
      [back],
    ) as tf.Tensor2D;
  }

  /** The central core, its gradient scaled by `centralGradScale` and Bernoulli-masked in training. */
  private maskCentralGradient(central: tf.Tensor): tf.Tensor {
    const drop = this.training && this.centralGradKeep < 1;
    if (this.centralGradScale === 1 && !drop) return central;
    const mask = drop
      ? tf.mul(
          tf.step(tf.sub(this.centralGradKeep, tf.randomUniform(central.shape, 0, 1, 'float32', nextSeed()))),
          this.centralGradScale,
        )
      : tf.scalar(this.centralGradScale);
    return unaryCustomGrad(
      central,
      (c) => tf.clone(c),
      (dy, [m]) => tf.mul(dy, m),
      [mask],
    );
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const e = this.numExperts;
      const xs = tf.broadcastTo(tf.expandDims(x, 0), [e, ...x.shape]);
      const z = tf.add(tf.matMul(xs, this.expertWeights('w1')), tf.expandDims(this.b1, 1));
      const h = activate(z, this.activation) as tf.Tensor3D;
      return tf.add(tf.matMul(h, this.expertWeights('w2')), tf.expandDims(this.b2, 1)) as tf.Tensor3D;
    });
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    return tf.tidy(() => {
      const z = groupedMatMul(x, this.expertWeights('w1'), sizes, this.b1 as tf.Tensor2D);
      const h = activate(z, this.activation) as tf.Tensor2D;
      return groupedMatMul(h, this.expertWeights('w2'), sizes, this.b2 as tf.Tensor2D);
    });
  }

  /** Values of one core of one weight (one expert's copy for an auxiliary core). */
  private coreValues(name: WeightName, k: number): number {
    return this.coreShape(name, k).reduce((p, s) => p * s, 1);
  }

  /** One expert's own parameters: its auxiliary cores (and central cores unless shared) and biases. */
  paramsPerExpert(): number {
    let own = this.hidden + this.dim;
    for (let k = 0; k < this.cores; k++) {
      if (!this.isShared(k)) own += this.coreValues('w1', k) + this.coreValues('w2', k);
    }
    return own;
  }

  /** Parameters all experts share, counted once: the two central cores (0 unless `shareCentral`). */
  sharedParams(): number {
    return this.shareCentral ? this.coreValues('w1', this.central) + this.coreValues('w2', this.central) : 0;
  }

  flopsPerToken(): number {
    return 4 * this.dim * this.hidden;
  }
}

/** The permutation from the chain's order to W's row-major order, and its inverse. */
function entryOrders(rowFactors: number[], colFactors: number[]): { order: Int32Array; inverse: Int32Array } {
  const order = mpoEntryOrder(rowFactors, colFactors);
  const inverse = new Int32Array(order.length);
  order.forEach((q, p) => (inverse[q] = p));
  return { order, inverse };
}
