import { GeluFFN } from '../../nn/ffn';
import { tf } from '../../tf';
import { ExpertBank } from '../experts/bank';
import { DUO_BIG, DUO_CHOICES, DUO_SKIP, DUO_SMALL } from './patterns';

/** Sizes of a {@link DuoExperts} bank (validated by the Duo slot's config). */
export interface DuoExpertsOptions {
  dim: number;
  smallHidden: number;
  bigHidden: number;
}

/**
 * Duo-LLM's three "experts" of different sizes (Alizadeh et al. 2024, arXiv 2410.10846): expert 0
 * is skip (output zero: the block's residual carries the token past the FFN), expert 1 a small
 * GELU FFN, expert 2 a big one. `paramsPerExpert` and `flopsPerToken` answer for the largest
 * (big) expert; {@link paramsOf} / {@link flopsOf} give each one's.
 *
 * @example
 * ```ts
 * const bank = new DuoExperts({ dim: 32, smallHidden: 16, bigHidden: 64 });
 * bank.forwardAll(x); // [3, T, 32]: zeros, small(x), big(x)
 * ```
 */
export class DuoExperts extends ExpertBank {
  readonly small: GeluFFN;
  readonly big: GeluFFN;

  constructor(o: DuoExpertsOptions) {
    super(DUO_CHOICES, o.dim);
    this.small = this.child('small', new GeluFFN(o.dim, o.smallHidden));
    this.big = this.child('big', new GeluFFN(o.dim, o.bigHidden));
  }

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(
      () => tf.stack([tf.zerosLike(x), this.small.forward(x), this.big.forward(x)]) as tf.Tensor3D,
    );
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    if (sizes.length !== DUO_CHOICES)
      throw new Error(`DuoExperts: ${sizes.length} group sizes for 3 experts`);
    return tf.tidy(() => {
      const d = this.dim;
      const [skip, small, big] = sizes;
      const parts: tf.Tensor[] = [];
      if (skip > 0) parts.push(tf.zeros([skip, d]));
      if (small > 0) parts.push(this.small.forward(tf.slice(x, [skip, 0], [small, d])));
      if (big > 0) parts.push(this.big.forward(tf.slice(x, [skip + small, 0], [big, d])));
      return (parts.length > 0 ? tf.concat(parts, 0) : tf.zeros([0, d])) as tf.Tensor2D;
    });
  }

  /** Parameters of one choice: 0 for skip. */
  paramsOf(choice: number): number {
    if (choice === DUO_SKIP) return 0;
    return (choice === DUO_SMALL ? this.small : this.big).countParams();
  }

  /** Forward FLOPs per token of one choice (2 per multiply-add): 0 for skip. */
  flopsOf(choice: number): number {
    if (choice === DUO_SKIP) return 0;
    const h = choice === DUO_SMALL ? this.small.hidden : this.big.hidden;
    return 4 * this.dim * h;
  }

  /** The big module's parameters (the largest expert). */
  paramsPerExpert(): number {
    return this.paramsOf(DUO_BIG);
  }

  /** The big module's FLOPs per token (the largest expert). */
  flopsPerToken(): number {
    return this.flopsOf(DUO_BIG);
  }
}
