/**
 * The compressed variants of an MoE layer the suite measures, each built from the trained layer,
 * its calibration statistics and its calibration tokens (core's compress/ tools).
 */
import {
  MoELayer,
  NestedBitMoELayer,
  RebankedMoELayer,
  TopAnyPrunedLayer,
  calibrateExperts,
  ffnWeightsOfAsync,
  compressExperts,
  entropyCodedTernaryExperts,
  groupExperts,
  mergeExperts,
  mixedPrecisionExpertBytes,
  mixedPrecisionExperts,
  pruneExperts,
  type FfnExperts,
  type FfnWeights,
  type ExpertCalibration,
  type FfnSlot,
  type tf,
} from '@moe-zoo/core';

/** What a variant builder gets for one MoE layer. */
export interface LayerCalibration {
  layer: MoELayer;
  tokens: tf.Tensor2D;
  stats: ExpertCalibration;
  /** The layer's expert weights, read back once with `await` (the quantized banks are built from them). */
  weights: FfnWeights;
}

/** A compression method at one setting. */
export interface Variant {
  /** Row name, e.g. `prune-saliency-6of8`. */
  name: string;
  /** The method's family, for the charts and claims. */
  method: 'float' | 'prune' | 'compressed-experts' | 'subspace-merge' | 'quantize';
  /** A new slot replacing `c.layer` (the trained layer itself for the float reference). */
  build(c: LayerCalibration): Promise<FfnSlot>;
  /** Whether expert ids mean what they mean in the float model (not after pruning): routing flips are comparable. */
  sameExperts: boolean;
  /** Run this variant on another backend than the suite's (e.g. `cpu` against wasm). */
  backend?: 'cpu';
}

/** The float model itself. */
export const FLOAT: Variant = {
  name: 'float',
  method: 'float',
  build: async (c) => c.layer,
  sameExperts: true,
};

/** The float model on tfjs's plain JavaScript backend: what a change of backend does to the routing. */
const FLOAT_CPU: Variant = { ...FLOAT, name: 'float-cpu-backend', backend: 'cpu' };

/** The float weights with the dense dispatch path (every expert on every token, then combined). */
const FLOAT_DENSE_DISPATCH: Variant = {
  name: 'float-dense-dispatch',
  method: 'float',
  sameExperts: true,
  build: async (c) => {
    const layer = new MoELayer({ ...c.layer.config, dispatch: 'dense' });
    layer.loadStateDict(c.layer.stateDict());
    return layer.eval();
  },
};

function prune(count: number, by: 'usage' | 'saliency'): Variant {
  return {
    name: `prune-${by}-keep${count}`,
    method: 'prune',
    build: async (c) => pruneExperts(c.layer, { count, by }, c.stats).layer,
    sameExperts: false,
  };
}

function compressed(rank: number): Variant {
  return {
    name: `compressed-experts-r${rank}`,
    method: 'compressed-experts',
    build: (c) => compressExperts(c.layer, { rank }),
    // The second choice's id points into the compact bank (e + E): the same expert, another id.
    sameExperts: false,
  };
}

function merged(groups: number, rank: number): Variant {
  return {
    name: `subspace-merge-${groups}groups-r${rank}`,
    method: 'subspace-merge',
    build: (c) => mergeExperts(c.layer, { groupOf: groupExperts(c.stats.similarity, groups), rank }),
    sameExperts: true,
  };
}

/** The byte budget of a layer's experts quantized at `bits` per weight on average (codes, scales, biases). */
function budgetAt(layer: MoELayer, bits: number): number {
  const bank = layer.experts as FfnExperts;
  const at = (b: number) => mixedPrecisionExpertBytes(bank.dim, bank.hidden, b);
  const lo = Math.floor(bits);
  const perExpert = lo === bits ? at(bits) : at(lo) + (bits - lo) * (at(lo + 1) - at(lo));
  return Math.floor(bank.numExperts * perExpert);
}

/**
 * MC-MoE / MC#: widths per expert from {1.58, 2, 4, 8} by calibration importance under the budget
 * of `bits` per weight on average; with `threshold`, online top-any pruning of minor experts too.
 */
function mixed(bits: number, threshold?: number): Variant {
  return {
    name: `mixed-precision-${bits}bit${threshold === undefined ? '' : `-topany${threshold}`}`,
    method: 'quantize',
    sameExperts: threshold === undefined,
    build: async (c) => {
      const bank = mixedPrecisionExperts(
        c.layer.experts as FfnExperts,
        c.stats,
        { budgetBytes: budgetAt(c.layer, bits) },
        c.weights,
      );
      return threshold === undefined
        ? new RebankedMoELayer(c.layer, bank)
        : new TopAnyPrunedLayer(c.layer, bank, { threshold });
    },
  };
}

/** Every expert at 8 bits per weight (per output channel scales). */
const INT8: Variant = {
  name: 'int8',
  method: 'quantize',
  sameExperts: true,
  build: async (c) =>
    new RebankedMoELayer(
      c.layer,
      mixedPrecisionExperts(
        c.layer.experts as FfnExperts,
        c.stats,
        { budgetBytes: budgetAt(c.layer, 8), widths: [8] },
        c.weights,
      ),
    ),
};

/** QMoE: ternary experts in one Huffman-coded store. */
const QMOE: Variant = {
  name: 'qmoe-ternary-huffman',
  method: 'quantize',
  sameExperts: true,
  build: async (c) =>
    new RebankedMoELayer(c.layer, entropyCodedTernaryExperts(c.layer.experts as FfnExperts, {}, c.weights)),
};

/** D²-MoE-style nested widths: one 8-bit store, each (token, expert) served at 8 / 4 / 2 bits by its gate share. */
const NESTED: Variant = {
  name: 'nested-8-4-2bit',
  method: 'quantize',
  // A pair's id is view-major (v · E + e): the same expert under another id.
  sameExperts: false,
  build: async (c) => new NestedBitMoELayer(c.layer, {}, c.weights),
};

/** The variants, in report order (the zoo models have 8 experts of width 48 at dim 48, top-2). */
export const VARIANTS: readonly Variant[] = [
  FLOAT,
  FLOAT_CPU,
  FLOAT_DENSE_DISPATCH,
  prune(6, 'usage'),
  prune(6, 'saliency'),
  prune(4, 'usage'),
  prune(4, 'saliency'),
  compressed(8),
  compressed(16),
  merged(4, 24),
  merged(4, 16),
  INT8,
  mixed(4),
  mixed(2.5),
  mixed(2.5, 0.3),
  QMOE,
  NESTED,
];

/** Calibration statistics of one layer on its tokens, and its expert weights (awaited reads: any backend). */
export async function calibrate(layer: MoELayer, tokens: tf.Tensor2D): Promise<LayerCalibration> {
  const [stats, weights] = await Promise.all([
    calibrateExperts(layer, tokens),
    ffnWeightsOfAsync(layer.experts as FfnExperts),
  ]);
  return { layer, tokens, stats, weights };
}
