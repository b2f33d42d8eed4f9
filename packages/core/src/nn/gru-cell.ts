import { z } from 'zod';
import { LIMITS, sizeField } from '../config/bounds';
import { parseConfig } from '../config/parse';
import { tf } from '../tf';
import { fanInUniform } from './init';
import { Module } from './module';

/** Options of {@link GruCell} (strict, sizes bounded). */
export const GruCellOptionsSchema = z.strictObject({
  /** Features of the input x [T, inputDim]. */
  inputDim: sizeField(LIMITS.dim),
  /** Features of the state h [T, hiddenDim]. */
  hiddenDim: sizeField(LIMITS.dim),
});
/** Options of {@link GruCell}. */
export type GruCellOptions = z.input<typeof GruCellOptionsSchema>;

/**
 * One gated recurrent unit step (Cho et al. 2014), in PyTorch's `GRUCell` form:
 * `r = σ(x Wir + bir + h Whr + bhr)`, `z = σ(x Wiz + biz + h Whz + bhz)`,
 * `n = tanh(x Win + bin + r ⊙ (h Whn + bhn))`, `h' = (1 - z) ⊙ n + z ⊙ h`. The three gates'
 * weights are stacked: `wi` [in, 3H], `wh` [H, 3H], `bi`, `bh` [3H] (order r, z, n), initialised
 * U(-1/√H, 1/√H). A missing state is the zero state.
 *
 * @example
 * ```ts
 * const cell = new GruCell({ inputDim: 8, hiddenDim: 8 });
 * const h1 = cell.forward(x1);     // x1 [T, 8], from the zero state
 * const h2 = cell.forward(x2, h1); // the state carried to the next step
 * ```
 */
export class GruCell extends Module {
  readonly wi: tf.Variable;
  readonly wh: tf.Variable;
  readonly bi: tf.Variable;
  readonly bh: tf.Variable;
  readonly inputDim: number;
  readonly hiddenDim: number;

  constructor(options: GruCellOptions) {
    super();
    const o = parseConfig(GruCellOptionsSchema, options, 'GRU cell options');
    this.inputDim = o.inputDim;
    this.hiddenDim = o.hiddenDim;
    const h = o.hiddenDim;
    this.wi = this.param('wi', fanInUniform([o.inputDim, 3 * h], h));
    this.wh = this.param('wh', fanInUniform([h, 3 * h], h));
    this.bi = this.param('bi', fanInUniform([3 * h], h));
    this.bh = this.param('bh', fanInUniform([3 * h], h));
  }

  /** x [T, inputDim], h [T, hiddenDim] (absent: zeros) -> the next state [T, hiddenDim]. */
  forward(x: tf.Tensor2D, h?: tf.Tensor2D): tf.Tensor2D {
    const hd = this.hiddenDim;
    if (x.shape[1] !== this.inputDim) {
      throw new Error(`GruCell: input has ${x.shape[1]} features, inputDim is ${this.inputDim}`);
    }
    if (h && (h.shape[0] !== x.shape[0] || h.shape[1] !== hd)) {
      throw new Error(`GruCell: state [${h.shape}] does not fit input [${x.shape}] and hiddenDim ${hd}`);
    }
    return tf.tidy(() => {
      const gi = tf.add(tf.matMul(x, this.wi), this.bi);
      const gh = h ? tf.add(tf.matMul(h, this.wh), this.bh) : tf.broadcastTo(this.bh, [x.shape[0], 3 * hd]);
      const [ir, iz, inn] = tf.split(gi, 3, 1);
      const [hr, hz, hn] = tf.split(gh, 3, 1);
      const r = tf.sigmoid(tf.add(ir, hr));
      const z = tf.sigmoid(tf.add(iz, hz));
      const n = tf.tanh(tf.add(inn, tf.mul(r, hn)));
      const keep = h ? tf.mul(z, h) : tf.zerosLike(z);
      return tf.add(tf.mul(tf.sub(1, z), n), keep) as tf.Tensor2D;
    });
  }

  /** Forward FLOPs of one step for one row: the two stacked products plus about 12 per unit of state. */
  flopsPerToken(): number {
    const h = this.hiddenDim;
    return 2 * (this.inputDim + h) * 3 * h + 12 * h;
  }
}
