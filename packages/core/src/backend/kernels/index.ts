import { tf } from '../../tf';
import { conv2dBackpropFilter } from './conv2d-backprop-filter';
import { depthwiseConv2dBackpropFilter } from './depthwise-backprop-filter';
import { depthwiseConv2dBackpropInput } from './depthwise-backprop-input';
import { unsortedSegmentSum } from './unsorted-segment-sum';

/**
 * The parts of tfjs-backend-wasm's `BackendWasm` the kernels here use. `readSync` is narrowed to
 * numeric arrays: none of these kernels accepts string tensors.
 */
export interface WasmKernelBackend {
  /** A copy of the tensor's values. */
  readSync(dataId: tf.DataId): tf.backend_util.TypedArray;
  /** Allocates an uninitialised tensor on the wasm heap. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A writable view of a tensor's heap memory; invalid after the next allocation. */
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

const KERNELS: [string, tf.KernelFunc][] = [
  [tf.UnsortedSegmentSum, unsortedSegmentSum],
  [tf.Conv2DBackpropFilter, conv2dBackpropFilter],
  [tf.DepthwiseConv2dNativeBackpropFilter, depthwiseConv2dBackpropFilter],
  [tf.DepthwiseConv2dNativeBackpropInput, depthwiseConv2dBackpropInput],
];

/**
 * Registers, for the `wasm` backend, the kernels tfjs-backend-wasm 4.22 lacks and training needs:
 * the gradients of `tf.gather` (UnsortedSegmentSum), of the conv2d filter and of depthwiseConv2d.
 * Kernels already registered (by a newer wasm backend or an earlier call) are left alone, so it is
 * safe to call twice.
 */
export function registerWasmTrainingKernels(): void {
  const have = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  for (const [kernelName, kernelFunc] of KERNELS) {
    if (!have.has(kernelName)) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
}
