/**
 * Storage accounting for quantized weights, in exact whole bytes. Scales are float32 (4 bytes);
 * ternary codes are packed 4 per byte as by `packTernary`.
 */

function count(fn: string, name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${fn}: ${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/**
 * Bytes of a 2-bit packed ternary weight: ceil(numWeights / 4) + 4 · numScales.
 *
 * @example
 * ```ts
 * ternaryBytes(1000, 1); // 250 + 4 = 254
 * ternaryBytes(5, 0);    // 2
 * ```
 */
export function ternaryBytes(numWeights: number, numScales = 1): number {
  return (
    Math.ceil(count('ternaryBytes', 'numWeights', numWeights) / 4) +
    4 * count('ternaryBytes', 'numScales', numScales)
  );
}

/**
 * Bytes of a float32 weight: 4 · numWeights.
 *
 * @example
 * ```ts
 * float32Bytes(1000); // 4000
 * ```
 */
export function float32Bytes(numWeights: number): number {
  return 4 * count('float32Bytes', 'numWeights', numWeights);
}

/**
 * Bytes of an int8 weight: numWeights + 4 · numScales.
 *
 * @example
 * ```ts
 * int8Bytes(1000, 10); // 1040
 * ```
 */
export function int8Bytes(numWeights: number, numScales = 1): number {
  return count('int8Bytes', 'numWeights', numWeights) + 4 * count('int8Bytes', 'numScales', numScales);
}

/**
 * Average storage bits per weight: 8 · bytes / numWeights (a ratio, not an integer).
 *
 * @example
 * ```ts
 * bitsPerWeight(ternaryBytes(1000, 1), 1000); // 2.032
 * ```
 */
export function bitsPerWeight(bytes: number, numWeights: number): number {
  count('bitsPerWeight', 'bytes', bytes);
  if (count('bitsPerWeight', 'numWeights', numWeights) === 0)
    throw new Error('bitsPerWeight: numWeights must be > 0');
  return (8 * bytes) / numWeights;
}
