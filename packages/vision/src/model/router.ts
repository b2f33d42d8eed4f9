import {
  Embedding,
  GeluFFN,
  Linear,
  Module,
  moduleCosts,
  parseConfig,
  tf,
  TransformerBlock,
} from '@moe-zoo/core';
import { BagOfWords } from './bag-of-words';
import type { z } from 'zod';
import { CoarseRouterOptionsSchema } from './part-schemas';

/** Options of {@link CoarseRouter}. */
export type CoarseRouterOptions = z.input<typeof CoarseRouterOptionsSchema>;

/**
 * The coarse stage of MoVA in miniature. The paper prompts the LLM with the downsampled image
 * tokens, the question and a lettered list of expert descriptions, and lets it name the useful
 * experts. Here a small transformer reads one token for the pooled base features, one for the
 * question and one per candidate (bag of words of its description + its slot letter), and
 * scores every candidate (sigmoid). Training shuffles and truncates the pool, so the router
 * must read the descriptions rather than remember slot letters.
 */
export class CoarseRouter extends Module {
  readonly image: Linear;
  readonly words: BagOfWords;
  readonly slot: Embedding;
  readonly role: Embedding;
  readonly blocks: TransformerBlock[];
  readonly out: Linear;

  constructor(readonly options: CoarseRouterOptions) {
    super();
    const { baseDim, dim, heads, vocabSize, maxCandidates } = parseConfig(
      CoarseRouterOptionsSchema,
      options,
      'coarse router options',
    );
    this.image = this.child('image', new Linear(baseDim, dim));
    this.words = this.child('words', new BagOfWords(vocabSize, dim));
    this.slot = this.child('slot', new Embedding(maxCandidates, dim, { std: 0.1 }));
    this.role = this.child('role', new Embedding(3, dim, { std: 0.1 }));
    this.blocks = this.childList(
      'blocks',
      Array.from(
        { length: options.blocks },
        () => new TransformerBlock({ dim, heads, ffn: new GeluFFN(dim, 2 * dim) }),
      ),
    );
    this.out = this.child('out', new Linear(dim, 1));
  }

  /**
   * @param pooled mean base token [B, baseDim]
   * @param question question word ids [B, W] (int32)
   * @param candidates description word ids of each pool slot [B, M, W] (int32)
   * @param present [B × M] row-major 0/1: which slots hold a candidate (absent slots are masked out)
   * @returns a logit per slot [B, M]
   */
  forward(pooled: tf.Tensor, question: tf.Tensor, candidates: tf.Tensor, present: Uint8Array): tf.Tensor2D {
    const [b, m] = candidates.shape;
    if (m > this.options.maxCandidates)
      throw new Error(`CoarseRouter: ${m} candidates, at most ${this.options.maxCandidates}`);
    if (present.length !== b * m)
      throw new Error(`CoarseRouter: present has ${present.length} entries, expected ${b * m}`);
    return tf.tidy(() => {
      const roles = this.role.forward(tf.tensor1d([0, 1, 2], 'int32')); // [3, D]
      const img = tf.add(this.image.forward(pooled), tf.slice(roles, [0, 0], [1, -1]));
      const q = tf.add(this.words.forward(question), tf.slice(roles, [1, 0], [1, -1]));
      const slots = this.slot.forward(tf.range(0, m, 1, 'int32')); // [M, D]
      const cands = tf.add(tf.add(this.words.forward(candidates), slots), tf.slice(roles, [2, 0], [1, -1]));
      let x: tf.Tensor = tf.concat([tf.expandDims(img, 1), tf.expandDims(q, 1), cands], 1); // [B, 2 + M, D]
      const keyOk = new Uint8Array(b * (2 + m) * (2 + m));
      for (let r = 0; r < b; r++) {
        for (let i = 0; i < 2 + m; i++) {
          for (let k = 0; k < 2 + m; k++)
            keyOk[(r * (2 + m) + i) * (2 + m) + k] = k < 2 || present[r * m + k - 2] ? 1 : 0;
        }
      }
      const mask = tf.cast(tf.tensor3d(keyOk, [b, 2 + m, 2 + m], 'int32'), 'bool');
      for (const block of this.blocks) x = block.forward(x, mask).y;
      const slotsOut = tf.slice(x, [0, 2, 0], [b, m, this.options.dim]);
      return tf.reshape(this.out.forward(slotsOut), [b, m]) as tf.Tensor2D;
    });
  }

  /**
   * Forward FLOPs per sample with `m` candidates (core's `moduleCosts`): the image projection of
   * the pooled token, the blocks over the 2 + m tokens and the score of each candidate slot.
   */
  flops(m: number): number {
    const l = 2 + m;
    const flops = (mod: Module) => moduleCosts(mod, l).flopsPerToken;
    return flops(this.image) + l * this.blocks.reduce((s, b) => s + flops(b), 0) + m * flops(this.out);
  }
}

/**
 * The routed subset from router probabilities: experts with probability above `threshold`,
 * at most `maxExperts` (the most probable), [B × E] row-major.
 */
export function routedFromProbs(
  probs: ArrayLike<number>,
  e: number,
  { threshold = 0.5, maxExperts = 3 }: { threshold?: number; maxExperts?: number } = {},
): Uint8Array {
  const out = new Uint8Array(probs.length);
  for (let r = 0; r < probs.length / e; r++) {
    const ok: number[] = [];
    for (let j = 0; j < e; j++) if (probs[r * e + j] > threshold) ok.push(j);
    ok.sort((a, b) => probs[r * e + b] - probs[r * e + a] || a - b);
    for (const j of ok.slice(0, maxExperts)) out[r * e + j] = 1;
  }
  return out;
}
