import { base3Bytes, packBase3, packBits, packedBitsBytes, unpackBase3, unpackBits } from './bit-packing';

/** The bit width that names ternary {-1, 0, 1}·γ quantization (log2 3 ≈ 1.58). */
export const TERNARY_BITS = 1.58;

/**
 * A [rows, cols] weight matrix (rows = inputs, cols = output channels, row-major) quantized with
 * one float32 scale per output channel: integer `codes` [rows · cols] and `scales` [cols].
 * Uniform b-bit codes are in [-2^(b-1), 2^(b-1) - 1] and stand for (code + 1/2) · scale; ternary
 * codes ({@link TERNARY_BITS}) are in {-1, 0, 1} and stand for code · scale.
 */
export interface ChannelQuantized {
  bits: number;
  rows: number;
  cols: number;
  codes: Int8Array;
  scales: Float32Array;
}

function checkShape(fn: string, w: ArrayLike<number>, rows: number, cols: number): void {
  if (
    !Number.isInteger(rows) ||
    !Number.isInteger(cols) ||
    rows < 1 ||
    cols < 1 ||
    w.length !== rows * cols
  ) {
    throw new Error(`${fn}: ${w.length} values for a [${rows}, ${cols}] matrix`);
  }
}

function checkBits(fn: string, bits: number): void {
  if (bits !== TERNARY_BITS && !(Number.isInteger(bits) && bits >= 2 && bits <= 8)) {
    throw new Error(`${fn}: bits must be an integer in [2, 8] or ${TERNARY_BITS} (ternary), got ${bits}`);
  }
}

/**
 * Per-output-channel symmetric uniform quantization at `bits` ∈ [2, 8] (a mid-rise quantizer:
 * the 2^b levels (c + 1/2)·s, s = max|W[:, j]| / 2^(b-1), tile [-max, max] evenly, so every code
 * is used and each weight is off by at most s/2), or, with `bits` = {@link TERNARY_BITS}, BitNet
 * b1.58's absmean ternary quantization per output channel (γ_j = mean|W[:, j]| + eps: the
 * arithmetic of `absmeanTernaryPerExpert` on the transposed matrix, on the host). All on the
 * host: no backend reads anything back. The mid-rise codes nest: the top b' bits of
 * a b-bit code are the b'-bit code of the same weight (see {@link truncateChannels}), which is
 * what Matryoshka-style nested serving reads. As in MC-MoE / MC# (Huang et al. 2024,
 * arXiv:2410.06270; 2025), each expert may take its own width.
 *
 * @example
 * ```ts
 * const q = quantizeChannels(w1Expert, 64, 128, 4); // codes in [-8, 7], 128 scales
 * const w = dequantizeChannels(q);                   // |w - w1Expert| ≤ scale / 2 per column
 * ```
 */
export function quantizeChannels(
  w: Float32Array,
  rows: number,
  cols: number,
  bits: number,
): ChannelQuantized {
  checkShape('quantizeChannels', w, rows, cols);
  checkBits('quantizeChannels', bits);
  if (bits === TERNARY_BITS) return ternaryChannels(w, rows, cols);
  const half = 2 ** (bits - 1);
  const scales = new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) scales[j] = Math.max(scales[j], Math.abs(w[r * cols + j]));
  }
  for (let j = 0; j < cols; j++) scales[j] = scales[j] / half;
  const codes = new Int8Array(rows * cols);
  for (let i = 0; i < codes.length; i++) {
    const s = scales[i % cols];
    codes[i] = s > 0 ? Math.min(half - 1, Math.max(-half, Math.floor(w[i] / s))) : 0;
  }
  return { bits, rows, cols, codes, scales };
}

/** BitNet b1.58's ε, as the float32 tfjs adds (`absmeanTernaryPerExpert`'s default). */
const TERNARY_EPS = Math.fround(1e-5);

/** Round half to even, as `tf.round`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/**
 * Absmean ternary per output channel, on the host in float32 arithmetic (every step rounded with
 * `Math.fround`): γ_j = (Σ_r |W[r, j]|, summed in row order) / rows + ε, q = clip(round(W / γ_j),
 * -1, 1). The same arithmetic as `absmeanTernaryPerExpert` on the transposed matrix on wasm
 * (whose mean sums in order in float32), so its codes and scales there are the same bit for bit;
 * on the host, no backend reads anything back.
 */
function ternaryChannels(w: Float32Array, rows: number, cols: number): ChannelQuantized {
  const f = Math.fround;
  const scales = new Float32Array(cols);
  for (let j = 0; j < cols; j++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum = f(sum + Math.abs(w[r * cols + j]));
    scales[j] = f(f(sum / rows) + TERNARY_EPS);
  }
  const codes = new Int8Array(rows * cols);
  for (let i = 0; i < codes.length; i++) {
    codes[i] = Math.min(1, Math.max(-1, roundHalfEven(f(w[i] / scales[i % cols])))) + 0;
  }
  return { bits: TERNARY_BITS, rows, cols, codes, scales };
}

/**
 * The float32 weights a {@link ChannelQuantized} stands for, [rows · cols] row-major.
 *
 * @example
 * ```ts
 * const w = dequantizeChannels(quantizeChannels(weights, 4, 3, 8));
 * ```
 */
export function dequantizeChannels(q: ChannelQuantized): Float32Array {
  const out = new Float32Array(q.rows * q.cols);
  const offset = q.bits === TERNARY_BITS ? 0 : 0.5;
  for (let i = 0; i < out.length; i++) out[i] = (q.codes[i] + offset) * q.scales[i % q.cols];
  return out;
}

/**
 * The top `bits` bits of uniform codes: code >> (b - bits) with scale · 2^(b - bits), i.e. the
 * coarser mid-rise quantizer whose buckets are unions of the finer ones (Matryoshka quantization,
 * Nair et al. 2025, arXiv:2502.06786). Equals {@link quantizeChannels} of the same weights at
 * `bits`.
 *
 * @example
 * ```ts
 * const q4 = truncateChannels(quantizeChannels(w, 8, 8, 8), 4); // codes in [-8, 7]
 * ```
 */
export function truncateChannels(q: ChannelQuantized, bits: number): ChannelQuantized {
  if (q.bits === TERNARY_BITS) throw new Error('truncateChannels: ternary codes have no bits to drop');
  if (!Number.isInteger(bits) || bits < 1 || bits > q.bits) {
    throw new Error(`truncateChannels: bits must be an integer in [1, ${q.bits}], got ${bits}`);
  }
  const shift = q.bits - bits;
  return {
    bits,
    rows: q.rows,
    cols: q.cols,
    codes: q.codes.map((c) => c >> shift),
    scales: q.scales.map((s) => s * 2 ** shift),
  };
}

/**
 * The codes in their stored form: uniform codes offset by 2^(b-1) and packed at b bits
 * (`packBits`), ternary codes five to a byte (`packBase3`).
 *
 * @example
 * ```ts
 * packChannelCodes(quantizeChannels(w, 16, 8, 4)).length; // 64
 * ```
 */
export function packChannelCodes(q: ChannelQuantized): Uint8Array {
  if (q.bits === TERNARY_BITS) return packBase3(q.codes);
  const half = 2 ** (q.bits - 1);
  return packBits(
    Array.from(q.codes, (c) => c + half),
    q.bits,
  );
}

/**
 * Inverse of {@link packChannelCodes}: the quantized matrix from its packed codes and scales.
 *
 * @example
 * ```ts
 * const q = quantizeChannels(w, 16, 8, 4);
 * unpackChannelCodes(packChannelCodes(q), 16, 8, 4, q.scales); // equal to q
 * ```
 */
export function unpackChannelCodes(
  packed: Uint8Array,
  rows: number,
  cols: number,
  bits: number,
  scales: Float32Array,
): ChannelQuantized {
  checkBits('unpackChannelCodes', bits);
  if (scales.length !== cols)
    throw new Error(`unpackChannelCodes: ${scales.length} scales for ${cols} columns`);
  const n = rows * cols;
  if (bits === TERNARY_BITS) return { bits, rows, cols, codes: unpackBase3(packed, n), scales };
  const half = 2 ** (bits - 1);
  return { bits, rows, cols, codes: Int8Array.from(unpackBits(packed, n, bits), (u) => u - half), scales };
}

/**
 * Stored bytes of a [rows, cols] matrix quantized per output channel at `bits`: the packed
 * codes (ceil(rows·cols·bits / 8), or ceil(rows·cols / 5) for ternary) plus 4 · cols for the
 * float32 scales.
 *
 * @example
 * ```ts
 * channelQuantizedBytes(16, 8, 4);            // 64 + 32 = 96
 * channelQuantizedBytes(16, 8, TERNARY_BITS); // 26 + 32 = 58
 * ```
 */
export function channelQuantizedBytes(rows: number, cols: number, bits: number): number {
  checkBits('channelQuantizedBytes', bits);
  const n = rows * cols;
  return (bits === TERNARY_BITS ? base3Bytes(n) : packedBitsBytes(n, bits)) + 4 * cols;
}
