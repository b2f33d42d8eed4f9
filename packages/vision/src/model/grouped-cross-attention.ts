import { fanInUniform, Module, normalInit, parseConfig, tf } from '@moe-zoo/core';
import type { z } from 'zod';
import { GroupedCrossAttentionOptionsSchema } from './part-schemas';

/** Options of {@link GroupedCrossAttention} (see `GroupedCrossAttentionOptionsSchema`). */
export type GroupedCrossAttentionOptions = z.input<typeof GroupedCrossAttentionOptionsSchema>;

/** A run of consecutive pairs that share one expert. */
interface Segment {
  expert: number;
  start: number;
  count: number;
}

/** Runs of equal values in a sorted expert list. */
function segmentsOf(expert: Int32Array): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < expert.length; i++) {
    const last = out[out.length - 1];
    if (last && last.expert === expert[i]) last.count++;
    else out.push({ expert: expert[i], start: i, count: 1 });
  }
  return out;
}

/**
 * Per-expert affine map of pairs sorted by expert: rows of segment s go through expert
 * `s.expert`'s weight `w[e]` [I, O] and bias `b[e]` [O] as one 2-D matMul per segment.
 * x [P, L, I] -> [P, L, O].
 */
function segmentAffine(x: tf.Tensor, segs: Segment[], w: tf.Tensor[], b: tf.Tensor[]): tf.Tensor {
  const [p, l, i] = x.shape as [number, number, number];
  const o = w[0].shape[1] as number;
  const flat = tf.reshape(x, [p * l, i]);
  const parts =
    segs.length === 1
      ? [flat]
      : tf.split(
          flat,
          segs.map((s) => s.count * l),
          0,
        );
  const outs = segs.map((s, k) => tf.add(tf.matMul(parts[k], w[s.expert]), b[s.expert]));
  return tf.reshape(outs.length === 1 ? outs[0] : tf.concat(outs, 0), [p, l, o]);
}

/**
 * One cross-attention per expert, computed for a list of (sample, expert) pairs in one go.
 * Every expert owns its projections, stored stacked (`wq` [E, D, D], `wk`/`wv` [E, C, D], `wo`
 * [E, D, D] and biases), its key/value LayerNorm (`lnGain`/`lnBias` [E, C]) and learned key
 * positions (`pos` [E, Lk, C]). The pairs are sorted by expert, and each expert's projections
 * run as one 2-D matMul over its contiguous segment (the "sorted" dispatch of MoE layers), so
 * exactly the listed pairs are computed. The output projection is zero-initialised (the layer
 * starts as exactly 0), as in the MoV-Adapter.
 *
 * @example
 * ```ts
 * const ca = new GroupedCrossAttention({ experts: 4, dim: 32, kvDim: 32, kvTokens: 16, heads: 4 });
 * const y = ca.forward(queries, expertTokens, Int32Array.from([0, 2, 2])); // 3 pairs -> [3, L, 32]
 * ```
 */
export class GroupedCrossAttention extends Module {
  readonly wq: tf.Variable;
  readonly bq: tf.Variable;
  readonly wk: tf.Variable;
  readonly bk: tf.Variable;
  readonly wv: tf.Variable;
  readonly bv: tf.Variable;
  readonly wo: tf.Variable;
  readonly bo: tf.Variable;
  readonly lnGain: tf.Variable;
  readonly lnBias: tf.Variable;
  readonly pos: tf.Variable;
  readonly relBias?: tf.Variable;
  private readonly relIndex?: Int32Array;

  constructor(readonly options: GroupedCrossAttentionOptions) {
    super();
    const {
      experts: e,
      dim: d,
      kvDim: c,
      kvTokens: lk,
      heads,
    } = parseConfig(GroupedCrossAttentionOptionsSchema, options, 'grouped cross-attention options');
    this.wq = this.param('wq', fanInUniform([e, d, d], d));
    this.bq = this.param('bq', fanInUniform([e, d], d));
    this.wk = this.param('wk', fanInUniform([e, c, d], c));
    this.bk = this.param('bk', fanInUniform([e, d], c));
    this.wv = this.param('wv', fanInUniform([e, c, d], c));
    this.bv = this.param('bv', fanInUniform([e, d], c));
    this.wo = this.param('wo', tf.zeros([e, d, d]));
    this.bo = this.param('bo', tf.zeros([e, d]));
    this.lnGain = this.param('lnGain', tf.ones([e, c]));
    this.lnBias = this.param('lnBias', tf.zeros([e, c]));
    this.pos = this.param('pos', normalInit([e, lk, c], 0.02));
    const g = options.grid;
    if (g !== undefined) {
      const span = 2 * g - 1;
      const strength = options.locality ?? 1;
      const init = new Float32Array(e * heads * span * span);
      for (let k = 0; k < e * heads; k++) {
        for (let dy = 0; dy < span; dy++) {
          for (let dx = 0; dx < span; dx++) {
            init[(k * span + dy) * span + dx] = -strength * ((dy - g + 1) ** 2 + (dx - g + 1) ** 2);
          }
        }
      }
      this.relBias = this.param('relBias', tf.tensor3d(init, [e, heads, span * span]));
      this.relIndex = new Int32Array(lk * lk);
      for (let a = 0; a < lk; a++) {
        for (let b = 0; b < lk; b++) {
          const dy = Math.floor(b / g) - Math.floor(a / g) + g - 1;
          const dx = (b % g) - (a % g) + g - 1;
          this.relIndex[a * lk + b] = dy * span + dx;
        }
      }
    }
  }

  /**
   * @param q queries of each pair [P, L, dim] (already normalised)
   * @param kv the expert tokens of each pair [P, kvTokens, kvDim] (raw)
   * @param expert the expert of each pair [P]
   * @returns [P, L, dim]
   */
  forward(q: tf.Tensor, kv: tf.Tensor, expert: Int32Array): tf.Tensor3D {
    const { experts, dim: d, kvDim: c, kvTokens: lk, heads } = this.options;
    const p = expert.length;
    if (q.rank !== 3 || q.shape[0] !== p || q.shape[2] !== d)
      throw new Error(`GroupedCrossAttention: queries must be [${p}, L, ${d}], got [${q.shape}]`);
    if (kv.rank !== 3 || kv.shape[0] !== p || kv.shape[1] !== lk || kv.shape[2] !== c)
      throw new Error(`GroupedCrossAttention: expert tokens must be [${p}, ${lk}, ${c}], got [${kv.shape}]`);
    if (expert.some((j) => j < 0 || j >= experts))
      throw new Error(`GroupedCrossAttention: expert index outside 0..${experts - 1}`);
    const l = q.shape[1] as number;
    const hd = d / heads;
    return tf.tidy(() => {
      // Sort the pairs by expert so that each expert's pairs are one contiguous segment.
      const order = Int32Array.from(expert.keys()).sort((a, b) => expert[a] - expert[b] || a - b);
      const sorted = order.every((v, i) => v === i);
      const perm = sorted ? undefined : tf.tensor1d(order, 'int32');
      const ex = sorted ? expert : Int32Array.from(order, (k) => expert[k]);
      const qs = perm ? tf.gather(q, perm) : q;
      const kvs = perm ? tf.gather(kv, perm) : kv;
      const segs = segmentsOf(ex);
      const e = tf.tensor1d(ex, 'int32');
      const [wq, wk, wv, wo] = [this.wq, this.wk, this.wv, this.wo].map((w) => tf.unstack(w));
      const [bq, bk, bv, bo] = [this.bq, this.bk, this.bv, this.bo].map((w) => tf.unstack(w));
      // Per-expert LayerNorm of the expert tokens (with its learned positions added first).
      const x = tf.add(kvs, tf.gather(this.pos, e));
      const centred = tf.sub(x, tf.mean(x, -1, true));
      const normed = tf.mul(centred, tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), 1e-5)));
      const kvn = tf.add(
        tf.mul(normed, tf.expandDims(tf.gather(this.lnGain, e), 1)),
        tf.expandDims(tf.gather(this.lnBias, e), 1),
      );
      const qp = segmentAffine(qs, segs, wq, bq);
      const kp = segmentAffine(kvn, segs, wk, bk);
      const vp = segmentAffine(kvn, segs, wv, bv);
      const split = (t: tf.Tensor, len: number) =>
        tf.transpose(tf.reshape(t, [p, len, heads, hd]), [0, 2, 1, 3]);
      const qh = split(qp, l); // [P, H, L, hd]
      const kh = split(kp, lk); // [P, H, Lk, hd]
      const vh = split(vp, lk);
      let scores = tf.mul(tf.sum(tf.mul(tf.expandDims(qh, 3), tf.expandDims(kh, 2)), -1), 1 / Math.sqrt(hd));
      if (this.relBias && this.relIndex) {
        if (l !== lk)
          throw new Error(`GroupedCrossAttention: the grid bias needs ${lk} query tokens, got ${l}`);
        const table = tf.reshape(tf.gather(this.relBias, tf.tensor1d(this.relIndex, 'int32'), 2), [
          experts,
          heads,
          l,
          lk,
        ]);
        scores = tf.add(scores, tf.gather(table, e));
      }
      const attn = tf.softmax(scores, -1); // [P, H, L, Lk]
      const ctx = tf.sum(tf.mul(tf.expandDims(attn, -1), tf.expandDims(vh, 2)), 3); // [P, H, L, hd]
      const merged = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [p, l, d]);
      const out = segmentAffine(merged, segs, wo, bo);
      if (!perm) return out as tf.Tensor3D;
      const inverse = new Int32Array(p);
      order.forEach((k, i) => (inverse[k] = i));
      return tf.gather(out, tf.tensor1d(inverse, 'int32')) as tf.Tensor3D;
    });
  }

  /** Parameters of one expert's cross-attention. */
  paramsPerExpert(): number {
    return this.countParams() / this.options.experts;
  }

  /** Forward FLOPs of one (sample, expert) pair over `tokens` query tokens. */
  flopsPerPair(tokens: number): number {
    const { dim: d, kvDim: c, kvTokens: lk } = this.options;
    return 2 * (tokens * d * d + 2 * lk * c * d + tokens * d * d) + 4 * tokens * lk * d;
  }
}
