/**
 * Packing of b-bit unsigned codes (1 ≤ b ≤ 8) into bytes, and of ternary values five to a byte
 * (3^5 = 243 ≤ 256, 1.6 bits per weight): the stored forms of the mixed-precision experts.
 */

function checkBits(fn: string, bits: number): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new Error(`${fn}: bits must be an integer in [1, 8], got ${bits}`);
  }
}

/**
 * Bytes of `n` codes packed at `bits` bits each: ceil(n · bits / 8).
 *
 * @example
 * ```ts
 * packedBitsBytes(10, 4); // 5
 * packedBitsBytes(5, 3);  // 2
 * ```
 */
export function packedBitsBytes(n: number, bits: number): number {
  checkBits('packedBitsBytes', bits);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`packedBitsBytes: n must be a count, got ${n}`);
  return Math.ceil((n * bits) / 8);
}

/**
 * Packs unsigned codes in [0, 2^bits) at `bits` bits each, little-endian: code i starts at bit
 * i · bits of the stream, lowest bits first (a code may straddle two bytes); the last byte is
 * zero-padded, so the result has {@link packedBitsBytes}(n, bits) bytes.
 *
 * @example
 * ```ts
 * packBits(new Uint8Array([1, 2, 3]), 2); // Uint8Array [0b00_11_10_01] = [57]
 * ```
 */
export function packBits(codes: ArrayLike<number>, bits: number): Uint8Array {
  const out = new Uint8Array(packedBitsBytes(codes.length, bits));
  const limit = 1 << bits;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (!Number.isInteger(c) || c < 0 || c >= limit) {
      throw new Error(`packBits: code ${i} is ${c}, expected an integer in [0, ${limit})`);
    }
    const bit = i * bits;
    const shifted = c << (bit & 7);
    out[bit >> 3] |= shifted & 0xff;
    if (shifted > 0xff) out[(bit >> 3) + 1] |= shifted >> 8;
  }
  return out;
}

/**
 * Inverse of {@link packBits}: reads `n` codes of `bits` bits.
 *
 * @example
 * ```ts
 * unpackBits(new Uint8Array([57]), 3, 2); // Uint8Array [1, 2, 3]
 * ```
 */
export function unpackBits(packed: Uint8Array, n: number, bits: number): Uint8Array {
  const need = packedBitsBytes(n, bits);
  if (packed.length < need) {
    throw new Error(`unpackBits: ${n} codes of ${bits} bits need ${need} bytes, got ${packed.length}`);
  }
  const out = new Uint8Array(n);
  const mask = (1 << bits) - 1;
  for (let i = 0; i < n; i++) {
    const bit = i * bits;
    const byte = bit >> 3;
    const word = packed[byte] | (byte + 1 < packed.length ? packed[byte + 1] << 8 : 0);
    out[i] = (word >> (bit & 7)) & mask;
  }
  return out;
}

/**
 * Bytes of `n` ternary values packed five to a byte: ceil(n / 5).
 *
 * @example
 * ```ts
 * base3Bytes(12); // 3
 * ```
 */
export function base3Bytes(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`base3Bytes: n must be a count, got ${n}`);
  return Math.ceil(n / 5);
}

/**
 * Packs ternary values (-1, 0, +1) five to a byte as base-3 digits, the first value least
 * significant: byte = Σ_j d_j · 3^j with digit 0 -> 0, +1 -> 1, -1 -> 2 (the digits of
 * `packTernary`). 1.6 bits per weight, against 2 for `packTernary`.
 *
 * @example
 * ```ts
 * packBase3(new Int8Array([1, -1, 0, 0, 0, 1])); // Uint8Array [1 + 2·3, 1] = [7, 1]
 * ```
 */
export function packBase3(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(base3Bytes(values.length));
  let power = 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const digit = v === 0 ? 0 : v === 1 ? 1 : v === -1 ? 2 : -1;
    if (digit < 0) throw new Error(`packBase3: value ${i} is ${v}, expected -1, 0 or 1`);
    power = i % 5 === 0 ? 1 : power * 3;
    out[Math.floor(i / 5)] += digit * power;
  }
  return out;
}

/**
 * Inverse of {@link packBase3}: reads `n` ternary values; a byte above 242 is an error.
 *
 * @example
 * ```ts
 * unpackBase3(new Uint8Array([7, 1]), 6); // Int8Array [1, -1, 0, 0, 0, 1]
 * ```
 */
export function unpackBase3(packed: Uint8Array, n: number): Int8Array {
  const need = base3Bytes(n);
  if (packed.length < need)
    throw new Error(`unpackBase3: ${n} values need ${need} bytes, got ${packed.length}`);
  const out = new Int8Array(n);
  for (let b = 0; b < need; b++) {
    let rest = packed[b];
    if (rest > 242) throw new Error(`unpackBase3: byte ${b} is ${rest}, above 3^5 - 1 = 242`);
    for (let j = 0; j < 5 && b * 5 + j < n; j++) {
      const digit = rest % 3;
      out[b * 5 + j] = digit === 2 ? -1 : digit;
      rest = (rest - digit) / 3;
    }
  }
  return out;
}
