import { tf } from '../tf';
import { absmeanTernary, absmeanTernaryPerExpert } from './ternary';

/** A ternary tensor stored at 2 bits per weight, as produced by {@link packTernaryTensor}. */
export interface PackedTernaryTensor {
  /** The codes, packed by {@link packTernary}. */
  packed: Uint8Array;
  /** γ: one number for the tensor, or one per expert (leading index) as a Float32Array. */
  scale: number | Float32Array;
  /** The original tensor shape. */
  shape: number[];
}

/** 2-bit codes: 0 -> 0, 1 -> +1, 2 -> -1; code 3 is invalid. */
const DECODE = [0, 1, -1] as const;

/**
 * Packs ternary values (-1, 0, +1) at 2 bits each, 4 per byte, the first value in the lowest two
 * bits; the last byte is zero-padded, so the result has ceil(n / 4) bytes.
 * Codes: 0 -> 0, +1 -> 1, -1 -> 2.
 *
 * @example
 * ```ts
 * packTernary(new Int8Array([1, -1, 0, 1, -1])); // Uint8Array [0b01_00_10_01, 0b10] = [73, 2]
 * ```
 */
export function packTernary(q: Float32Array | Int8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(q.length / 4));
  for (let i = 0; i < q.length; i++) {
    const v = q[i];
    let code: number;
    if (v === 0) code = 0;
    else if (v === 1) code = 1;
    else if (v === -1) code = 2;
    else throw new Error(`packTernary: value at index ${i} is ${v}, expected -1, 0 or 1`);
    out[i >> 2] |= code << ((i & 3) * 2);
  }
  return out;
}

/**
 * Inverse of {@link packTernary}: reads `n` ternary values. Throws on code 3 (naming the value
 * index and byte) and when `packed` holds fewer than ceil(n / 4) bytes.
 *
 * @example
 * ```ts
 * unpackTernary(new Uint8Array([73, 2]), 5); // Int8Array [1, -1, 0, 1, -1]
 * ```
 */
export function unpackTernary(packed: Uint8Array, n: number): Int8Array {
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`unpackTernary: n must be a non-negative integer, got ${n}`);
  const need = Math.ceil(n / 4);
  if (packed.length < need) {
    throw new Error(
      `unpackTernary: ${n} values need ${need} bytes, but the packed array has ${packed.length}`,
    );
  }
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const code = (packed[i >> 2] >> ((i & 3) * 2)) & 3;
    if (code === 3) throw new Error(`unpackTernary: invalid code 3 for value ${i} (byte ${i >> 2})`);
    out[i] = DECODE[code];
  }
  return out;
}

/**
 * Quantizes a float weight with {@link absmeanTernary} (or {@link absmeanTernaryPerExpert} when
 * `perExpert`) and packs it at 2 bits per weight plus one float32 scale per tensor or expert. The
 * codes and scales are read back with awaited reads, so it runs on every backend.
 *
 * @example
 * ```ts
 * const p = await packTernaryTensor(expertW1, { perExpert: true }); // expertW1: [E, D, H]
 * const w = unpackTernaryTensor(p); // equals ternarySTEPerExpert(expertW1) bit for bit
 * ```
 */
export async function packTernaryTensor(
  w: tf.Tensor,
  options: { perExpert?: boolean; eps?: number } = {},
): Promise<PackedTernaryTensor> {
  const { q, scale } = options.perExpert
    ? absmeanTernaryPerExpert(w, options.eps)
    : absmeanTernary(w, options.eps);
  try {
    const [scales, codes] = (await Promise.all([scale.data(), q.data()])) as Float32Array[];
    return {
      packed: packTernary(codes),
      scale: options.perExpert ? Float32Array.from(scales) : scales[0],
      shape: [...w.shape],
    };
  } finally {
    q.dispose();
    scale.dispose();
  }
}

/**
 * Dequantizes a {@link PackedTernaryTensor} to a float32 tensor q·γ of the original shape.
 * A Float32Array scale is one γ per leading index.
 *
 * @example
 * ```ts
 * const w = unpackTernaryTensor(packTernaryTensor(tf.randomNormal([8, 4])));
 * ```
 */
export function unpackTernaryTensor(p: PackedTernaryTensor): tf.Tensor {
  const n = p.shape.reduce((a, b) => a * b, 1);
  const q = unpackTernary(p.packed, n);
  const out = new Float32Array(n);
  if (typeof p.scale === 'number') {
    for (let i = 0; i < n; i++) out[i] = q[i] * p.scale;
  } else {
    const experts = p.shape[0];
    if (p.shape.length < 2 || p.scale.length !== experts) {
      throw new Error(
        `unpackTernaryTensor: a per-expert scale needs shape [E, ...] with E = scale length ${p.scale.length}, got [${p.shape.join(', ')}]`,
      );
    }
    const per = experts === 0 ? 0 : n / experts;
    for (let i = 0; i < n; i++) out[i] = q[i] * p.scale[Math.floor(i / per)];
  }
  return tf.tensor(out, p.shape, 'float32');
}
