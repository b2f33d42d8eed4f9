/**
 * An exact, decodable entropy code for ternary weights: canonical Huffman over fixed-length
 * groups of ternary symbols. The store is self-describing:
 *
 * - header, 5 bytes: the group length g (1 byte, 1..5), the value count n (uint32, little-endian);
 * - table, 3^g bytes: the code length of each group symbol (0 = the symbol does not occur);
 * - payload, ceil(bits / 8) bytes: the codes of the ceil(n / g) groups, most significant bit
 *   first, the last byte zero-padded.
 *
 * A group's symbol is Σ_j d_j · 3^j over its values (digit 0 -> 0, +1 -> 1, -1 -> 2, the first
 * value least significant); the last group is padded with zeros.
 */

const HEADER_BYTES = 5;

function checkGroup(fn: string, group: number): void {
  if (!Number.isInteger(group) || group < 1 || group > 5) {
    throw new Error(`${fn}: group must be an integer in [1, 5], got ${group}`);
  }
}

function groupSymbols(values: ArrayLike<number>, group: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / group));
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const digit = v === 0 ? 0 : v === 1 ? 1 : v === -1 ? 2 : -1;
    if (digit < 0) throw new Error(`encodeTernaryHuffman: value ${i} is ${v}, expected -1, 0 or 1`);
    out[Math.floor(i / group)] += digit * 3 ** (i % group);
  }
  return out;
}

/** Huffman code lengths of symbols with these counts (0 for absent symbols; 1 if only one occurs). */
function huffmanLengths(counts: number[]): Uint8Array {
  const lengths = new Uint8Array(counts.length);
  type Node = { weight: number; symbols: number[]; order: number };
  let nodes: Node[] = counts.flatMap((c, s) => (c > 0 ? [{ weight: c, symbols: [s], order: s }] : []));
  if (nodes.length === 1) lengths[nodes[0].symbols[0]] = 1;
  let next = counts.length;
  while (nodes.length > 1) {
    nodes.sort((a, b) => a.weight - b.weight || a.order - b.order);
    const [a, b] = nodes;
    for (const s of [...a.symbols, ...b.symbols]) lengths[s]++;
    nodes = [
      { weight: a.weight + b.weight, symbols: [...a.symbols, ...b.symbols], order: next++ },
      ...nodes.slice(2),
    ];
  }
  return lengths;
}

/** Canonical codes: symbols by (length, symbol), consecutive codes, shifted left as lengths grow. */
function canonicalCodes(lengths: Uint8Array): {
  codes: number[];
  first: number[];
  count: number[];
  order: number[];
} {
  const order = Array.from(lengths.keys())
    .filter((s) => lengths[s] > 0)
    .sort((a, b) => lengths[a] - lengths[b] || a - b);
  const maxLen = order.length > 0 ? lengths[order[order.length - 1]] : 0;
  const codes = new Array<number>(lengths.length).fill(0);
  const first = new Array<number>(maxLen + 1).fill(0);
  const count = new Array<number>(maxLen + 1).fill(0);
  let code = 0;
  let len = 0;
  let kraft = 0;
  for (const s of order) {
    if (lengths[s] > len) {
      code *= 2 ** (lengths[s] - len);
      len = lengths[s];
      first[len] = code;
    }
    codes[s] = code++;
    count[len]++;
    kraft += 2 ** -len;
  }
  if (kraft > 1)
    throw new Error(`decodeTernaryHuffman: the code lengths are not a prefix code (Kraft sum ${kraft})`);
  return { codes, first, count, order };
}

/**
 * Bytes of a store of `n` values in groups of `group` whose group codes have these lengths:
 * 5 + 3^group + ceil(Σ lengths / 8). What {@link encodeTernaryHuffman} returns, in length.
 *
 * @example
 * ```ts
 * ternaryHuffmanBytes(12, 4, [1, 1, 1]); // 5 + 81 + 1 = 87
 * ```
 */
export function ternaryHuffmanBytes(n: number, group: number, groupCodeLengths: readonly number[]): number {
  checkGroup('ternaryHuffmanBytes', group);
  if (groupCodeLengths.length !== Math.ceil(n / group)) {
    throw new Error(
      `ternaryHuffmanBytes: ${groupCodeLengths.length} group codes for ${n} values in groups of ${group}`,
    );
  }
  const bits = groupCodeLengths.reduce((s, l) => s + l, 0);
  return HEADER_BYTES + 3 ** group + Math.ceil(bits / 8);
}

/**
 * Entropy-codes ternary values (-1, 0, +1) with canonical Huffman over groups of `group` values,
 * as QMoE compresses its ternary experts below one bit per weight (Frantar & Alistarh 2023,
 * "QMoE: Practical Sub-1-Bit Compression of Trillion-Parameter Models", arXiv:2310.16795; QMoE's
 * own code is a dictionary of variable-length runs decoded on the GPU, this one a per-group
 * Huffman code decoded on the host). Mostly-zero weights cost well under one bit each: a group of
 * four zeros can take a single bit. Decoded exactly by {@link decodeTernaryHuffman}.
 *
 * @example
 * ```ts
 * const store = encodeTernaryHuffman(new Int8Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, -1]));
 * store.length; // 87 = 5 (header) + 81 (table) + 1 (3 payload bits)
 * decodeTernaryHuffman(store); // Int8Array [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, -1]
 * ```
 */
export function encodeTernaryHuffman(values: ArrayLike<number>, group = 4): Uint8Array {
  checkGroup('encodeTernaryHuffman', group);
  const n = values.length;
  if (n > 0xffffffff) throw new Error(`encodeTernaryHuffman: ${n} values exceed the uint32 count`);
  const symbols = groupSymbols(values, group);
  const counts = new Array<number>(3 ** group).fill(0);
  for (const s of symbols) counts[s]++;
  const lengths = huffmanLengths(counts);
  const { codes } = canonicalCodes(lengths);
  const bits = Array.from(symbols).reduce((sum, s) => sum + lengths[s], 0);
  const out = new Uint8Array(HEADER_BYTES + lengths.length + Math.ceil(bits / 8));
  out[0] = group;
  new DataView(out.buffer).setUint32(1, n, true);
  out.set(lengths, HEADER_BYTES);
  let pos = 8 * (HEADER_BYTES + lengths.length);
  for (const s of symbols) {
    const code = codes[s];
    for (let i = lengths[s] - 1; i >= 0; i--, pos++) {
      if (Math.floor(code / 2 ** i) % 2 === 1) out[pos >> 3] |= 0x80 >> (pos & 7);
    }
  }
  return out;
}

/**
 * Inverse of {@link encodeTernaryHuffman}: the ternary values of a store, as an Int8Array.
 * Throws on a truncated store, a table that is not a prefix code, or a payload that ends early.
 *
 * @example
 * ```ts
 * decodeTernaryHuffman(encodeTernaryHuffman([1, 0, -1], 2)); // Int8Array [1, 0, -1]
 * ```
 */
export function decodeTernaryHuffman(store: Uint8Array): Int8Array {
  if (store.length < HEADER_BYTES)
    throw new Error(`decodeTernaryHuffman: ${store.length} bytes, the header needs 5`);
  const group = store[0];
  checkGroup('decodeTernaryHuffman', group);
  const n = new DataView(store.buffer, store.byteOffset, store.byteLength).getUint32(1, true);
  const tableEnd = HEADER_BYTES + 3 ** group;
  if (store.length < tableEnd)
    throw new Error(`decodeTernaryHuffman: ${store.length} bytes, the table ends at ${tableEnd}`);
  const lengths = store.subarray(HEADER_BYTES, tableEnd);
  const { first, count, order } = canonicalCodes(lengths);
  const offset = count.map((_, l) => count.slice(0, l).reduce((s, c) => s + c, 0));
  const out = new Int8Array(n);
  const end = 8 * store.length;
  let pos = 8 * tableEnd;
  for (let g = 0; g < Math.ceil(n / group); g++) {
    let code = 0;
    let len = 0;
    let symbol = -1;
    while (symbol < 0) {
      if (pos >= end || len >= count.length - 1)
        throw new Error(`decodeTernaryHuffman: no valid code for group ${g}`);
      code = 2 * code + ((store[pos >> 3] >> (7 - (pos & 7))) & 1);
      pos++;
      len++;
      if (code >= first[len] && code - first[len] < count[len])
        symbol = order[offset[len] + code - first[len]];
    }
    for (let j = 0; j < group && g * group + j < n; j++) {
      const digit = symbol % 3;
      out[g * group + j] = digit === 2 ? -1 : digit;
      symbol = (symbol - digit) / 3;
    }
  }
  return out;
}
