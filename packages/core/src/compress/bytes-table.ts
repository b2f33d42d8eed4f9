import type { RoutedLayer } from '../moe/routed-layer';
import { float32Bytes } from '../quant/bytes';
import { bankStoredBytes } from './stored-bytes';

/** One compressed variant of a layer, named. */
export interface CompressedVariant {
  name: string;
  layer: RoutedLayer;
}

/** One row of {@link bytesTable}. */
export interface BytesTableRow {
  name: string;
  /** Stored bytes of the whole layer: the expert bank's stored form + 4 bytes per other parameter. */
  storedBytes: number;
  /** Stored bytes of the routed expert bank alone. */
  expertBytes: number;
  /** 8 · expertBytes / the bank's parameters: bits per expert weight, scales and biases included. */
  bitsPerWeight: number;
  /** All parameters of the layer (a quantized weight counts as one parameter). */
  totalParams: number;
  /** Parameters one token uses (`layer.activeParams()`). */
  activeParams: number;
}

/**
 * Stored bytes, bits per expert weight and active parameters of each compressed variant of a
 * layer: the columns of a QuantMoE-Bench-style comparison at equal bytes (Duanmu et al. 2024,
 * "Examining Post-Training Quantization for Mixture-of-Experts", arXiv:2406.08155). The router and
 * shared experts count as float32; the routed bank by its `storedBytes()` when it reports one
 * (see `bankStoredBytes`).
 *
 * @example
 * ```ts
 * bytesTable([
 *   { name: 'float32', layer: moe },
 *   { name: 'mixed 3-bit', layer: new TopAnyPrunedLayer(moe, mixed) },
 *   { name: 'nested 8/4/2', layer: new NestedBitMoELayer(moe) },
 * ]); // [{ name, storedBytes, expertBytes, bitsPerWeight, totalParams, activeParams }, ...]
 * ```
 */
export function bytesTable(variants: readonly CompressedVariant[]): BytesTableRow[] {
  return variants.map(({ name, layer }) => {
    const bankParams = layer.experts.countParams();
    const expertBytes = bankStoredBytes(layer.experts);
    return {
      name,
      storedBytes: expertBytes + float32Bytes(layer.countParams() - bankParams),
      expertBytes,
      bitsPerWeight: bankParams > 0 ? (8 * expertBytes) / bankParams : 0,
      totalParams: layer.countParams(),
      activeParams: layer.activeParams(),
    };
  });
}
