import { tf } from '../../tf';
import { makeFastConv2DBackpropInput } from './fast-conv-backprop-input';
import { makeFastBatchMatMul } from './fast-matmul';
import { makeFastGather } from './fast-gather';
import { makeFastSlice } from './fast-slice';

let installed = false;

function replace(name: string, make: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const original = tf.getKernel(name, 'wasm');
  if (!original) return;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: make(original.kernelFunc) });
}

/**
 * Replaces the wasm kernels whose stock implementation falls off XNNPACK's fast path in shapes
 * training hits all the time (transposed and batched matMul, row gathers, slices, the conv input
 * gradient). Idempotent.
 */
export function registerWasmSpeedKernels(): void {
  if (installed) return;
  installed = true;
  replace('BatchMatMul', makeFastBatchMatMul);
  replace('GatherV2', makeFastGather);
  replace('Slice', makeFastSlice);
  replace('Conv2DBackpropInput', makeFastConv2DBackpropInput);
}
