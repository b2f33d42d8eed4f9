import { tf } from '../tf';

/**
 * What the active backend is good and bad at, for the few places where the fastest formulation
 * of the same math depends on it. Generic layers ask here instead of testing backend names, so a
 * new backend is added in `backend/` only.
 */
export interface BackendCapabilities {
  /**
   * Batched matMuls of small entries pay a large cost per batch entry (wasm: 50-100 ms for 128
   * entries of 6x16x6): below `smallMatMulEntry` multiply-adds per entry, a broadcast multiply
   * and sum is faster.
   */
  slowSmallBatchedMatMul: boolean;
  /** Multiply-adds per batch entry from which a real batched matMul is faster again. */
  smallMatMulEntry: number;
  /**
   * An axis-0 sum transposes first and is slower than the same column sum as a ones-row matMul.
   */
  slowColumnSum: boolean;
  /**
   * A batched [E, T, D] x [E, D, D] product is slower than one [T, D] x [D, E·D] product followed
   * by a reshape (wasm): per-expert linear maps on the same tokens are fused into one matMul.
   */
  slowBatchedMatMul: boolean;
}

const WASM: BackendCapabilities = {
  slowSmallBatchedMatMul: true,
  smallMatMulEntry: 1 << 15,
  slowColumnSum: true,
  slowBatchedMatMul: true,
};

const DEFAULT: BackendCapabilities = {
  slowSmallBatchedMatMul: false,
  smallMatMulEntry: 0,
  slowColumnSum: false,
  slowBatchedMatMul: false,
};

/** The capabilities of the backend tfjs is running on now. */
export function backendCapabilities(): BackendCapabilities {
  return tf.getBackend() === 'wasm' ? WASM : DEFAULT;
}
