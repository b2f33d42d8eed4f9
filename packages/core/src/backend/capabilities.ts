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
  /**
   * `dataSync()` works and is cheap. False on webgpu: in Node there are no synchronous reads at
   * all, and in browsers one stalls the GPU queue. Code that would read routing decisions back to
   * the host inside a forward pass (the sorted dispatch's plan) builds them on the device instead.
   */
  syncReadback: boolean;
}

const WASM: BackendCapabilities = {
  slowSmallBatchedMatMul: true,
  smallMatMulEntry: 1 << 15,
  slowColumnSum: true,
  slowBatchedMatMul: true,
  syncReadback: true,
};

const DEFAULT: BackendCapabilities = {
  slowSmallBatchedMatMul: false,
  smallMatMulEntry: 0,
  slowColumnSum: false,
  slowBatchedMatMul: false,
  syncReadback: true,
};

const WEBGPU: BackendCapabilities = { ...DEFAULT, syncReadback: false };

const BY_NAME: Record<string, BackendCapabilities> = { wasm: WASM, webgpu: WEBGPU };

/** The capabilities of the backend tfjs is running on now. */
export function backendCapabilities(): BackendCapabilities {
  return BY_NAME[tf.getBackend()] ?? DEFAULT;
}
