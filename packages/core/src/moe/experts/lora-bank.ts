import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { GeluFFN } from '../../nn/ffn';
import { fanInUniform } from '../../nn/init';
import { tf } from '../../tf';
import { groupedMatMul } from '../grouped-matmul';
import type { DenseFfnWeights } from '../upcycle';
import { activate } from './activation';
import { ExpertBank } from './bank';
import { LoraBankOptionsSchema } from './options';

/** Options of the bank (see `LoraBankOptionsSchema`: strict, sizes bounded). */
export type LoraBankOptions = z.input<typeof LoraBankOptionsSchema>;

/**
 * MixLoRA's experts (Li et al. 2024, "MixLoRA: Enhancing Large Language Models Fine-Tuning with
 * LoRA-based Mixture of Experts", arXiv 2404.15159): one frozen dense FFN `base`
 * (`gelu(x W1 + b1) W2 + b2`, the trained model's) shared by E experts, expert e being the same
 * FFN with its own low-rank updates on both weights, `W1 + s·A1[e] B1[e]` and
 * `W2 + s·A2[e] B2[e]` (A [E, in, r], B [E, r, out], s = α / r). A is fan-in uniform and B is
 * zero, so every expert starts as the frozen FFN. `base` is frozen (`trainable` false): it gets
 * no gradient and no optimizer update; only the LoRA factors train.
 *
 * The bank returns each expert's change to the frozen FFN's output,
 * `FFN_e(x) - FFN(x)` ({@link forwardAll}); the layer adds `FFN(x)` once
 * (`MixLoraLayer.combine`), so with weights that sum to 1 the layer computes MixLoRA's
 * `Σ_e w_e FFN_e(x)` and with any weights the frozen FFN plus the weighted LoRA updates.
 *
 * @example
 * ```ts
 * const bank = new LoraExperts({ numExperts: 4, dim: 32, hidden: 64, rank: 4 });
 * bank.loadBase(trainedFfn);     // copy the trained dense FFN in (frozen)
 * bank.forwardAll(x);            // [4, T, 32], all zeros until the B factors train
 * ```
 */
export class LoraExperts extends ExpertBank {
  /** The frozen dense FFN every expert shares. */
  readonly base: GeluFFN;
  readonly loraA1: tf.Variable;
  readonly loraB1: tf.Variable;
  readonly loraA2: tf.Variable;
  readonly loraB2: tf.Variable;
  readonly hidden: number;
  readonly rank: number;
  /** The LoRA scale α / r. */
  readonly scale: number;

  constructor(options: LoraBankOptions) {
    const o = parseConfig(LoraBankOptionsSchema, options, 'LoRA experts options');
    super(o.numExperts, o.dim);
    const { numExperts: e, dim: d, hidden: h, rank: r } = o;
    this.hidden = h;
    this.rank = r;
    this.scale = (o.alpha ?? 2 * r) / r;
    this.base = this.child('base', new GeluFFN(d, h)).setTrainable(false);
    this.loraA1 = this.param('loraA1', fanInUniform([e, d, r], d));
    this.loraB1 = this.param('loraB1', tf.zeros([e, r, h]));
    this.loraA2 = this.param('loraA2', fanInUniform([e, h, r], h));
    this.loraB2 = this.param('loraB2', tf.zeros([e, r, d]));
  }

  /** Copies a trained dense FFN into the frozen `base` (a `GeluFFN`, or `w1` [D, H], `w2` [H, D] and biases). */
  loadBase(ffn: GeluFFN | DenseFfnWeights): void {
    const w: DenseFfnWeights =
      ffn instanceof GeluFFN
        ? { w1: ffn.fc1.weight, b1: ffn.fc1.bias, w2: ffn.fc2.weight, b2: ffn.fc2.bias }
        : ffn;
    const pairs: [string, tf.Variable | undefined, tf.Tensor | undefined][] = [
      ['w1', this.base.fc1.weight, w.w1],
      ['b1', this.base.fc1.bias, w.b1],
      ['w2', this.base.fc2.weight, w.w2],
      ['b2', this.base.fc2.bias, w.b2],
    ];
    for (const [name, target, source] of pairs) {
      if (!target || !source) throw new Error(`LoraExperts.loadBase: "${name}" is missing`);
      if (!tf.util.arraysEqual(target.shape, source.shape)) {
        throw new Error(
          `LoraExperts.loadBase: "${name}" is [${source.shape}], the base needs [${target.shape}]`,
        );
      }
      tf.tidy(() => target.assign(source));
    }
  }

  /** The frozen FFN on the tokens [T, D]. */
  baseForward(x: tf.Tensor2D): tf.Tensor2D {
    return this.base.forward(x) as tf.Tensor2D;
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const e = this.numExperts;
      const { fc1, fc2 } = this.base;
      const z = tf.add(tf.matMul(x, fc1.weight), fc1.bias as tf.Variable); // [T, H]
      const xs = tf.broadcastTo(tf.expandDims(x, 0), [e, ...x.shape]); // [E, T, D]
      const dz = tf.mul(tf.matMul(tf.matMul(xs, this.loraA1), this.loraB1), this.scale); // [E, T, H]
      const h = activate(tf.add(tf.expandDims(z, 0), dz), 'gelu') as tf.Tensor3D;
      const h0 = activate(z, 'gelu');
      const dh = tf.sub(h, tf.expandDims(h0, 0));
      const w2 = tf.broadcastTo(tf.expandDims(fc2.weight, 0), [e, this.hidden, this.dim]);
      const lora = tf.mul(tf.matMul(tf.matMul(h, this.loraA2), this.loraB2), this.scale);
      return tf.add(tf.matMul(dh, w2), lora) as tf.Tensor3D;
    });
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    return tf.tidy(() => {
      const { fc1, fc2 } = this.base;
      const z = tf.add(tf.matMul(x, fc1.weight), fc1.bias as tf.Variable);
      const lowRank = (v: tf.Tensor2D, a: tf.Variable, b: tf.Variable): tf.Tensor2D =>
        tf.mul(
          groupedMatMul(groupedMatMul(v, a as tf.Tensor3D, sizes), b as tf.Tensor3D, sizes),
          this.scale,
        ) as tf.Tensor2D;
      const h = activate(tf.add(z, lowRank(x, this.loraA1, this.loraB1)), 'gelu') as tf.Tensor2D;
      const dh = tf.sub(h, activate(z, 'gelu'));
      return tf.add(tf.matMul(dh, fc2.weight), lowRank(h, this.loraA2, this.loraB2)) as tf.Tensor2D;
    });
  }

  /** The LoRA factors of one expert (the frozen FFN is shared, counted once by the layer). */
  paramsPerExpert(): number {
    return 2 * this.rank * (this.dim + this.hidden);
  }

  /** One expert's FFN with its updates on one token: the two products plus the low-rank ones. */
  flopsPerToken(): number {
    return 4 * this.dim * this.hidden + 4 * this.rank * (this.dim + this.hidden);
  }
}
