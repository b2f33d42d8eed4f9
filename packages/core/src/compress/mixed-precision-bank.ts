import { parseConfig } from '../config/parse';
import type { FfnExperts } from '../moe/experts/ffn-bank';
import {
  channelQuantizedBytes,
  dequantizeChannels,
  packChannelCodes,
  quantizeChannels,
  unpackChannelCodes,
} from '../quant/channel-quant';
import { allocateExpertBits, expertImportance } from './bit-allocation';
import type { ExpertCalibration } from './calibration';
import { DequantizedFfnBank, ffnWeightsOf, type FfnWeights } from './dequantized-bank';
import { matrixAt } from './layer-parts';
import { ExpertBitsSchema, MixedPrecisionOptionsSchema, type MixedPrecisionOptions } from './quant-options';

/** One matrix in its stored form: codes packed at the expert's width, one float32 scale per output channel. */
export interface PackedMatrix {
  packed: Uint8Array;
  scales: Float32Array;
}

/** One expert's stored form. */
export interface PackedFfnExpert {
  bits: number;
  w1: PackedMatrix;
  w2: PackedMatrix;
  b1: Float32Array;
  b2: Float32Array;
}

/**
 * Stored bytes of one FFN expert (dim D, hidden H) at `bits`: both matrices' packed codes and
 * per-channel float32 scales, and the float32 biases: channelQuantizedBytes(D, H, bits) +
 * channelQuantizedBytes(H, D, bits) + 4 · (H + D).
 *
 * @example
 * ```ts
 * mixedPrecisionExpertBytes(4, 8, 4); // (16 + 32) + (16 + 16) + 48 = 128
 * ```
 */
export function mixedPrecisionExpertBytes(dim: number, hidden: number, bits: number): number {
  return (
    channelQuantizedBytes(dim, hidden, bits) + channelQuantizedBytes(hidden, dim, bits) + 4 * (hidden + dim)
  );
}

/**
 * Mixed-precision experts (MC-MoE, Huang et al. 2024, "Mixture Compressor for Mixture-of-Experts
 * LLMs Gains More", arXiv:2410.06270; MC#, Huang et al. 2025): expert e's two matrices are
 * quantized per output channel at its own width `bits[e]` (2..8-bit uniform, or 1.58 for
 * ternary; see `quantizeChannels`), and stored as packed codes, float32 scales and float32 biases.
 * The dequantized weights are decoded from that packed store once, at construction, and cached
 * (see {@link DequantizedFfnBank}): forwards run float32 on the cache. `storedBytes()` is the
 * packed store, exactly.
 *
 * @example
 * ```ts
 * const bank = new MixedPrecisionExperts(moe.experts as FfnExperts, [8, 4, 4, 2, 2, 1.58, 1.58, 1.58]);
 * bank.storedBytes(); // Σ_e mixedPrecisionExpertBytes(D, H, bits[e])
 * ```
 */
export class MixedPrecisionExperts extends DequantizedFfnBank {
  readonly bits: readonly number[];
  readonly store: readonly PackedFfnExpert[];

  /** `weights`: the source's weights already read back (`await ffnWeightsOfAsync(source)`: no synchronous read, for webgpu); read here (synchronously) when absent. */
  constructor(source: FfnExperts, bits: readonly number[], weights?: FfnWeights) {
    const [e, d, h] = [source.numExperts, source.dim, source.hidden];
    if (bits.length !== e) throw new Error(`MixedPrecisionExperts: ${bits.length} widths for ${e} experts`);
    bits.forEach((b, i) => parseConfig(ExpertBitsSchema, b, `MixedPrecisionExperts bits[${i}]`));
    const float = weights ?? ffnWeightsOf(source);
    const store = bits.map((b, i): PackedFfnExpert => {
      const pack = (w: Float32Array, rows: number, cols: number): PackedMatrix => {
        const q = quantizeChannels(w, rows, cols, b);
        return { packed: packChannelCodes(q), scales: q.scales };
      };
      return {
        bits: b,
        w1: pack(matrixAt(float.w1, i, d, h), d, h),
        w2: pack(matrixAt(float.w2, i, h, d), h, d),
        b1: float.b1.slice(i * h, (i + 1) * h),
        b2: float.b2.slice(i * d, (i + 1) * d),
      };
    });
    super(source, decode(store, d, h));
    this.bits = [...bits];
    this.store = store;
  }

  /** Σ over experts of packed codes + 4 · scales + 4 · biases, read off the stored arrays. */
  storedBytes(): number {
    return this.store.reduce(
      (sum, x) =>
        sum +
        x.w1.packed.length +
        x.w2.packed.length +
        4 * (x.w1.scales.length + x.w2.scales.length + x.b1.length + x.b2.length),
      0,
    );
  }
}

function decode(store: readonly PackedFfnExpert[], d: number, h: number): FfnWeights {
  const e = store.length;
  const out: FfnWeights = {
    w1: new Float32Array(e * d * h),
    b1: new Float32Array(e * h),
    w2: new Float32Array(e * h * d),
    b2: new Float32Array(e * d),
  };
  store.forEach((x, i) => {
    out.w1.set(dequantizeChannels(unpackChannelCodes(x.w1.packed, d, h, x.bits, x.w1.scales)), i * d * h);
    out.w2.set(dequantizeChannels(unpackChannelCodes(x.w2.packed, h, d, x.bits, x.w2.scales)), i * h * d);
    out.b1.set(x.b1, i * h);
    out.b2.set(x.b2, i * d);
  });
  return out;
}

/**
 * MC-MoE's pre-loading mixed-precision step: widths per expert from calibration importance
 * (usage × saliency, {@link expertImportance}) under a byte budget ({@link allocateExpertBits}),
 * then the {@link MixedPrecisionExperts} at those widths. `storedBytes()` ≤ `budgetBytes`.
 * `weights`: the source's weights already read back (`await ffnWeightsOfAsync(source)`: no synchronous read, for webgpu); read here (synchronously) when absent.
 *
 * @example
 * ```ts
 * const stats = await calibrateExperts(moe, tokens);
 * const bank = mixedPrecisionExperts(moe.experts as FfnExperts, stats, { budgetBytes: 40_000 });
 * const layer = new TopAnyPrunedLayer(moe, bank, { threshold: 0.2 });
 * ```
 */
export function mixedPrecisionExperts(
  source: FfnExperts,
  calibration: ExpertCalibration,
  options: MixedPrecisionOptions,
  weights?: FfnWeights,
): MixedPrecisionExperts {
  const o = parseConfig(MixedPrecisionOptionsSchema, options, 'mixed-precision options');
  if (calibration.usage.length !== source.numExperts) {
    throw new Error(
      `mixedPrecisionExperts: the calibration has ${calibration.usage.length} experts, the bank ${source.numExperts}`,
    );
  }
  const bits = allocateExpertBits(expertImportance(calibration), {
    budgetBytes: o.budgetBytes,
    widths: o.widths,
    bytesAt: (b) => mixedPrecisionExpertBytes(source.dim, source.hidden, b),
  });
  return new MixedPrecisionExperts(source, bits, weights);
}
