import { tf } from '@moe-zoo/core';
import type { ConvEncoder } from '../model/conv-encoder';
import type { VqaSet } from '../data/vqa';
import { encodeImages } from './pretrain';

/**
 * Tokens of the frozen encoders for every sample of a set (host memory): the answer models
 * train on these, since the encoders do not change after pretraining.
 */
export interface FeatureBank {
  n: number;
  tokens: number;
  baseDim: number;
  /** [n × tokens × baseDim] */
  base: Float32Array;
  expertDims: number[];
  /** Per expert, [n × tokens × expertDim]. */
  experts: Float32Array[];
}

/** The source index of the base in {@link fusedTokens}; experts are 0..E-1. */
export const BASE_SOURCE = -1;

/**
 * Runs the frozen base and experts over `set` once. All encoders must share the token grid. The
 * tokens are read back with awaited reads, so it runs on every backend.
 *
 * @example
 * ```ts
 * const bank = await buildFeatureBank(base, experts, data.train);
 * ```
 */
export async function buildFeatureBank(
  base: ConvEncoder,
  experts: ConvEncoder[],
  set: VqaSet,
): Promise<FeatureBank> {
  for (const [j, e] of experts.entries()) {
    if (e.tokens !== base.tokens)
      throw new Error(
        `buildFeatureBank: expert ${j} has ${e.tokens} tokens per image, the base ${base.tokens}`,
      );
  }
  const baseTokens = await encodeImages(base, set);
  const expertTokens: Float32Array[] = [];
  for (const e of experts) expertTokens.push(await encodeImages(e, set));
  return {
    n: set.n,
    tokens: base.tokens,
    baseDim: base.dim,
    base: baseTokens,
    expertDims: experts.map((e) => e.dim),
    experts: expertTokens,
  };
}

/** Width of a source (the base or expert j). */
export function sourceDim(bank: FeatureBank, source: number): number {
  return source === BASE_SOURCE ? bank.baseDim : bank.expertDims[source];
}

/**
 * Tokens of samples `idx`, the sources concatenated channel-wise in the given order:
 * [idx.length, tokens, Σ widths].
 */
export function fusedTokens(bank: FeatureBank, sources: number[], idx: ArrayLike<number>): tf.Tensor3D {
  const dims = sources.map((s) => sourceDim(bank, s));
  const width = dims.reduce((a, b) => a + b, 0);
  const l = bank.tokens;
  const out = new Float32Array(idx.length * l * width);
  for (let i = 0; i < idx.length; i++) {
    let off = 0;
    sources.forEach((s, k) => {
      const c = dims[k];
      const src = s === BASE_SOURCE ? bank.base : bank.experts[s];
      for (let t = 0; t < l; t++) {
        const from = (idx[i] * l + t) * c;
        out.set(src.subarray(from, from + c), (i * l + t) * width + off);
      }
      off += c;
    });
  }
  return tf.tensor3d(out, [idx.length, l, width]);
}

/** The mean base token of samples `idx`, [idx.length × baseDim] (the router's view of an image). */
export function pooledBase(bank: FeatureBank, idx: ArrayLike<number>): Float32Array {
  const { tokens: l, baseDim: c } = bank;
  const out = new Float32Array(idx.length * c);
  for (let i = 0; i < idx.length; i++) {
    for (let t = 0; t < l; t++) {
      for (let k = 0; k < c; k++) out[i * c + k] += bank.base[(idx[i] * l + t) * c + k] / l;
    }
  }
  return out;
}

/** Question word ids of samples `idx` as an int32 tensor [idx.length, W]. */
export function wordsOf(set: VqaSet, idx: ArrayLike<number>): tf.Tensor2D {
  const w = set.tokens.length / set.n;
  const out = new Int32Array(idx.length * w);
  for (let i = 0; i < idx.length; i++) out.set(set.tokens.subarray(idx[i] * w, (idx[i] + 1) * w), i * w);
  return tf.tensor2d(out, [idx.length, w], 'int32');
}

/** Answers of samples `idx` as an int32 tensor [idx.length]. */
export function answersOf(set: VqaSet, idx: ArrayLike<number>): tf.Tensor1D {
  return tf.tensor1d(
    Int32Array.from({ length: idx.length }, (_, i) => set.answer[idx[i]]),
    'int32',
  );
}

/** Every index 0..n-1. */
export function allIndices(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
