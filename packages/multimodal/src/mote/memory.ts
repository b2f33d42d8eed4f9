import {
  float32Bytes,
  packTernaryTensor,
  ternaryBytes,
  tf,
  unpackTernaryTensor,
  type PackedTernaryTensor,
} from '@moe-zoo/core';
import type { QuantFfnExperts } from './quant-experts';

/** Bytes of a 1-bit packed binary weight: ceil(numWeights / 8) + 4 · numScales (float32 scales). */
export function binaryBytes(numWeights: number, numScales = 1): number {
  if (!Number.isSafeInteger(numWeights) || numWeights < 0) {
    throw new Error(`binaryBytes: numWeights must be a non-negative integer, got ${numWeights}`);
  }
  if (!Number.isSafeInteger(numScales) || numScales < 0) {
    throw new Error(`binaryBytes: numScales must be a non-negative integer, got ${numScales}`);
  }
  return Math.ceil(numWeights / 8) + 4 * numScales;
}

/** A ternary expert bank as stored: both matrices packed at 2 bits per weight, biases float32. */
export interface PackedTernaryExperts {
  w1: PackedTernaryTensor;
  w2: PackedTernaryTensor;
  b1: Float32Array;
  b2: Float32Array;
}

/**
 * Packs a ternary {@link QuantFfnExperts} bank for storage: `w1` and `w2` at 2 bits per weight with
 * one float32 scale per expert and matrix (core's `packTernaryTensor` with `perExpert`), biases as
 * float32. Unpacking reproduces the forward pass's quantized weights bit for bit. Reads are awaited,
 * so it runs on every backend.
 *
 * @example
 * ```ts
 * const bytes = packedBytes(await packTernaryExperts(layer.experts)); // layer: a MoTELayer
 * ```
 */
export async function packTernaryExperts(bank: QuantFfnExperts): Promise<PackedTernaryExperts> {
  if (bank.format !== 'ternary')
    throw new Error(`packTernaryExperts: the bank is ${bank.format}, not ternary`);
  const [w1, w2, b1, b2] = await Promise.all([
    packTernaryTensor(bank.w1, { perExpert: true }),
    packTernaryTensor(bank.w2, { perExpert: true }),
    bank.b1.data(),
    bank.b2.data(),
  ]);
  return { w1, w2, b1: Float32Array.from(b1), b2: Float32Array.from(b2) };
}

/** The dequantized weights `{ w1, w2 }` of a packed bank (float32 tensors). */
export function unpackTernaryExperts(p: PackedTernaryExperts): { w1: tf.Tensor; w2: tf.Tensor } {
  return { w1: unpackTernaryTensor(p.w1), w2: unpackTernaryTensor(p.w2) };
}

function scaleCount(s: number | Float32Array): number {
  return typeof s === 'number' ? 1 : s.length;
}

/** Exact bytes of a packed bank: the packed codes, 4 bytes per scale, 4 bytes per bias value. */
export function packedBytes(p: PackedTernaryExperts): number {
  return (
    p.w1.packed.length +
    p.w2.packed.length +
    4 * (scaleCount(p.w1.scale) + scaleCount(p.w2.scale)) +
    float32Bytes(p.b1.length + p.b2.length)
  );
}

/**
 * Storage bytes of an expert bank by its format, from shapes alone: ternary = 2-bit codes
 * (`ternaryBytes`), binary = 1-bit codes, one float32 scale per expert and matrix; biases float32.
 * For ternary banks this equals {@link packedBytes} of {@link packTernaryExperts} exactly.
 */
export function quantBankBytes(bank: QuantFfnExperts): number {
  const { numExperts: e, dim: d, hidden: h } = bank;
  const codes =
    bank.format === 'ternary'
      ? ternaryBytes(e * d * h, e) + ternaryBytes(e * h * d, e)
      : binaryBytes(e * d * h, e) + binaryBytes(e * h * d, e);
  return codes + float32Bytes(e * (h + d));
}

/** Float32 bytes of `numExperts` FFN experts of width `hidden` (weights and biases). */
export function floatExpertBytes(numExperts: number, dim: number, hidden: number): number {
  return float32Bytes(numExperts * (2 * dim * hidden + hidden + dim));
}

/**
 * The widest float32 FFN expert width h such that `numExperts` experts of width h take at most
 * `budgetBytes` (used to give a full-precision MoE the same expert memory as a MoTE layer).
 */
export function equalMemoryHidden(budgetBytes: number, dim: number, numExperts: number): number {
  const h = Math.floor((budgetBytes / (4 * numExperts) - dim) / (2 * dim + 1));
  if (h < 1)
    throw new Error(
      `equalMemoryHidden: ${budgetBytes} bytes cannot hold ${numExperts} experts of dim ${dim}`,
    );
  return h;
}
