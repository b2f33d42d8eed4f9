import { parseConfig } from '../config/parse';
import type { FfnExperts } from '../moe/experts/ffn-bank';
import { dequantizeChannels, quantizeChannels, TERNARY_BITS } from '../quant/channel-quant';
import { decodeTernaryHuffman, encodeTernaryHuffman } from '../quant/ternary-huffman';
import { DequantizedFfnBank, ffnWeightsOf, type FfnWeights } from './dequantized-bank';
import { matrixAt } from './layer-parts';
import { EntropyCodedOptionsSchema, type EntropyCodedOptions } from './quant-options';

/** The stored form of {@link EntropyCodedTernaryExperts}. */
export interface EntropyCodedStore {
  /** One Huffman store of every ternary code: expert by expert, w1 [D·H] then w2 [H·D]. */
  codes: Uint8Array;
  /** Per-output-channel scales of w1 [E·H] and w2 [E·D]. */
  scales1: Float32Array;
  scales2: Float32Array;
  /** Biases [E·H] and [E·D]. */
  b1: Float32Array;
  b2: Float32Array;
}

/**
 * QMoE-style sub-1-bit experts (Frantar & Alistarh 2023, "QMoE: Practical Sub-1-Bit Compression of
 * Trillion-Parameter Models", arXiv:2310.16795): every expert matrix is quantized to ternary per
 * output channel (absmean, `quantizeChannels(..., TERNARY_BITS)`) and all codes of the bank are
 * entropy-coded together in one canonical-Huffman store over groups of `group` values
 * (`encodeTernaryHuffman`; QMoE trains its ternary codes with GPTQ and codes them with a
 * dictionary, here the codes are absmean's and the code is Huffman). The dequantized weights are
 * decoded from the store once, at construction, and cached (see {@link DequantizedFfnBank}).
 * `storedBytes()` = the Huffman store (header + table + payload) + 4 bytes per scale and bias.
 *
 * @example
 * ```ts
 * const bank = entropyCodedTernaryExperts(moe.experts as FfnExperts, { group: 4 });
 * bank.codeBitsPerWeight(); // below 1 when most ternary codes are 0
 * ```
 */
export class EntropyCodedTernaryExperts extends DequantizedFfnBank {
  readonly store: EntropyCodedStore;
  readonly group: number;

  /** `weights`: the source's weights already read back (`await ffnWeightsOfAsync(source)`: no synchronous read, for webgpu); read here (synchronously) when absent. */
  constructor(source: FfnExperts, options: EntropyCodedOptions = {}, weights?: FfnWeights) {
    const o = parseConfig(EntropyCodedOptionsSchema, options, 'entropy-coded ternary options');
    const [e, d, h] = [source.numExperts, source.dim, source.hidden];
    const float = weights ?? ffnWeightsOf(source);
    const codes = new Int8Array(2 * e * d * h);
    const scales1 = new Float32Array(e * h);
    const scales2 = new Float32Array(e * d);
    for (let i = 0; i < e; i++) {
      const q1 = quantizeChannels(matrixAt(float.w1, i, d, h), d, h, TERNARY_BITS);
      const q2 = quantizeChannels(matrixAt(float.w2, i, h, d), h, d, TERNARY_BITS);
      codes.set(q1.codes, 2 * i * d * h);
      codes.set(q2.codes, (2 * i + 1) * d * h);
      scales1.set(q1.scales, i * h);
      scales2.set(q2.scales, i * d);
    }
    const store: EntropyCodedStore = {
      codes: encodeTernaryHuffman(codes, o.group),
      scales1,
      scales2,
      b1: float.b1,
      b2: float.b2,
    };
    super(source, decode(store, e, d, h));
    this.store = store;
    this.group = o.group;
  }

  /** Huffman store + 4 · (scales + biases), exactly. */
  storedBytes(): number {
    const s = this.store;
    return s.codes.length + 4 * (s.scales1.length + s.scales2.length + s.b1.length + s.b2.length);
  }

  /** Bits per matrix weight of the coded ternary codes alone (header and table included). */
  codeBitsPerWeight(): number {
    return (8 * this.store.codes.length) / (2 * this.numExperts * this.dim * this.hidden);
  }
}

function decode(store: EntropyCodedStore, e: number, d: number, h: number): FfnWeights {
  const codes = decodeTernaryHuffman(store.codes);
  const w1 = new Float32Array(e * d * h);
  const w2 = new Float32Array(e * h * d);
  for (let i = 0; i < e; i++) {
    const at = (k: number) => codes.subarray(k * d * h, (k + 1) * d * h);
    const s1 = store.scales1.subarray(i * h, (i + 1) * h);
    const s2 = store.scales2.subarray(i * d, (i + 1) * d);
    w1.set(
      dequantizeChannels({ bits: TERNARY_BITS, rows: d, cols: h, codes: at(2 * i), scales: s1 }),
      i * d * h,
    );
    w2.set(
      dequantizeChannels({ bits: TERNARY_BITS, rows: h, cols: d, codes: at(2 * i + 1), scales: s2 }),
      i * h * d,
    );
  }
  return { w1, b1: store.b1, w2, b2: store.b2 };
}

/**
 * Builds an {@link EntropyCodedTernaryExperts} from a trained FFN bank (which is untouched).
 * `weights`: the source's weights already read back (`await ffnWeightsOfAsync(source)`: no synchronous read, for webgpu); read here (synchronously) when absent.
 *
 * @example
 * ```ts
 * const bank = entropyCodedTernaryExperts(moe.experts as FfnExperts);
 * const layer = new RebankedMoELayer(moe, bank);
 * ```
 */
export function entropyCodedTernaryExperts(
  source: FfnExperts,
  options: EntropyCodedOptions = {},
  weights?: FfnWeights,
): EntropyCodedTernaryExperts {
  return new EntropyCodedTernaryExperts(source, options, weights);
}
