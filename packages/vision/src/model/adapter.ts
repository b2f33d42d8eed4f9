import {
  gelu,
  LayerNorm,
  Linear,
  Module,
  moduleCosts,
  MultiHeadAttention,
  parseConfig,
  tf,
} from '@moe-zoo/core';
import type { z } from 'zod';
import { MoVAdapterBlockOptionsSchema } from './part-schemas';
import { maskedTopKGate } from './gating';
import { GroupedCrossAttention } from './grouped-cross-attention';

/**
 * Tokens of the routed experts of a batch: for expert j, `rows[j]` lists the batch rows it was
 * routed to (ascending) and its tokens are rows `offset[j] .. offset[j] + rows[j].length` of
 * `tokens` ([Σ rows, kvTokens, kvDim]).
 */
export interface RoutedExpertTokens {
  rows: Int32Array[];
  offset: number[];
  /** Undefined when no expert is routed at all. */
  tokens?: tf.Tensor3D;
}

/** Options of {@link MoVAdapterBlock} (see `MoVAdapterBlockOptionsSchema`). */
export type MoVAdapterBlockOptions = z.input<typeof MoVAdapterBlockOptionsSchema>;

/** What one block computed, for the cost accounting. */
export interface AdapterBlockStats {
  /** Cross-attention calls, summed over experts (one per selected sample and expert). */
  crossRows: number;
}

/**
 * One MoV-Adapter block (MoVA, Zong et al. 2024, §3.3):
 *
 * 1. dynamic gating: `g = MLP([q; mean(X)])` (last layer zero-initialised), masked to the routed
 *    experts, top-k, renormalised ({@link maskedTopKGate});
 * 2. expert knowledge extractor: one cross-attention per expert ({@link GroupedCrossAttention}:
 *    queries from LN(X), keys and values from the expert's normalised tokens, output projection
 *    zero-initialised), `X̂ = X + Σ_j P_j · CA_j`, computed only for the (sample, expert) pairs
 *    the gate selected;
 * 3. a pre-norm transformer step `X ← X̂ + SelfAttn(LN X̂)`, `X ← X + FFN(LN X)` whose output
 *    layers are zero-initialised, so a new block is the identity.
 */
export class MoVAdapterBlock extends Module {
  readonly gate1: Linear;
  readonly gate2: Linear;
  readonly lnX: LayerNorm;
  readonly cross: GroupedCrossAttention;
  readonly ln1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly ln2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(readonly options: MoVAdapterBlockOptions) {
    super();
    const { dim, heads, experts } = parseConfig(
      MoVAdapterBlockOptionsSchema,
      options,
      'MoV-Adapter block options',
    );
    this.gate1 = this.child('gate1', new Linear(2 * dim, dim));
    this.gate2 = this.child('gate2', new Linear(dim, experts, { zeroInit: true }));
    this.lnX = this.child('lnX', new LayerNorm(dim));
    this.cross = this.child(
      'cross',
      new GroupedCrossAttention({
        experts,
        dim,
        kvDim: options.expertDim,
        kvTokens: options.expertTokens,
        heads,
        grid: options.grid,
      }),
    );
    this.ln1 = this.child('ln1', new LayerNorm(dim));
    this.attn = this.child('attn', new MultiHeadAttention(dim, heads, { zeroInitOut: true }));
    this.ln2 = this.child('ln2', new LayerNorm(dim));
    const hidden = options.ffnHidden ?? 2 * dim;
    this.fc1 = this.child('fc1', new Linear(dim, hidden));
    this.fc2 = this.child('fc2', new Linear(hidden, dim, { zeroInit: true }));
  }

  /** Number of experts. */
  get numExperts(): number {
    return this.options.experts;
  }

  /**
   * Gate logits [B, E] from the question vector q [B, dim] and the mean token of x [B, L, dim];
   * zeros with uniform gating.
   */
  gateLogits(x: tf.Tensor, q: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      if (this.options.gating === 'uniform') return tf.zeros([x.shape[0], this.numExperts]) as tf.Tensor2D;
      const h = gelu(this.gate1.forward(tf.concat([q, tf.mean(x, 1)], -1)));
      return this.gate2.forward(h) as tf.Tensor2D;
    });
  }

  /**
   * @param x visual tokens [B, L, dim]
   * @param q question vector [B, dim]
   * @param routed [B × E] row-major 0/1: the experts each sample may use
   * @param experts the routed experts' tokens
   * @param stats incremented with the cross-attention work done
   */
  forward(
    x: tf.Tensor3D,
    q: tf.Tensor2D,
    routed: Uint8Array,
    experts: RoutedExpertTokens,
    stats?: AdapterBlockStats,
  ): tf.Tensor3D {
    const [b, l, d] = x.shape;
    const e = this.numExperts;
    return tf.tidy(() => {
      const { weights, selected, pairs } = maskedTopKGate(this.gateLogits(x, q), routed, this.options.topK);
      // The selected (row, expert) pairs and where each finds its expert tokens (on webgpu with more
      // than top-k routed, every routed pair: those left out have weight 0).
      const rows: number[] = [];
      const which: number[] = [];
      const at: number[] = [];
      for (let j = 0; j < e; j++) {
        const where = new Map<number, number>();
        experts.rows[j]?.forEach((r, i) => where.set(r, experts.offset[j] + i));
        for (let r = 0; r < b; r++) {
          if (!selected[r * e + j]) continue;
          const k = where.get(r);
          if (k === undefined)
            throw new Error(`MoVAdapterBlock: expert ${j} is selected for row ${r} but has no tokens`);
          rows.push(r);
          which.push(j);
          at.push(k);
        }
      }
      let h: tf.Tensor = x;
      if (rows.length) {
        if (stats) stats.crossRows += pairs; // the selected pairs: rows.length where the host selected
        const rowIdx = tf.tensor1d(rows, 'int32');
        const qx = tf.gather(this.lnX.forward(x), rowIdx);
        const kv = tf.gather(experts.tokens as tf.Tensor3D, tf.tensor1d(at, 'int32'));
        const out = this.cross.forward(qx, kv, Int32Array.from(which)); // [P, L, D]
        const flat = Int32Array.from(rows, (r, i) => r * e + which[i]);
        const w = tf.reshape(tf.gather(tf.reshape(weights, [-1]), tf.tensor1d(flat, 'int32')), [
          rows.length,
          1,
          1,
        ]);
        h = tf.add(x, tf.unsortedSegmentSum(tf.mul(out, w), rowIdx, b));
      }
      h = tf.add(h, this.attn.forward(this.ln1.forward(h)));
      h = tf.add(h, this.fc2.forward(gelu(this.fc1.forward(this.ln2.forward(h)))));
      return tf.reshape(h, [b, l, d]) as tf.Tensor3D;
    });
  }

  /** Parameters that belong to one expert (its cross-attention). */
  expertParams(): number {
    return this.cross.paramsPerExpert();
  }

  /**
   * Forward FLOPs per sample without the cross-attentions, over `tokens` tokens (core's
   * `moduleCosts`): the gating MLP once per sample (learned gating only), self-attention and FFN
   * per token.
   */
  sharedFlops(tokens: number): number {
    const flops = (m: Module) => moduleCosts(m, tokens).flopsPerToken;
    const gate = this.options.gating === 'learned' ? flops(this.gate1) + flops(this.gate2) : 0;
    return gate + tokens * [this.attn, this.fc1, this.fc2].reduce((s, m) => s + flops(m), 0);
  }

  /** Forward FLOPs of one cross-attention call (one sample, one expert), over `tokens` query tokens. */
  crossFlops(tokens: number): number {
    return this.cross.flopsPerPair(tokens);
  }
}
