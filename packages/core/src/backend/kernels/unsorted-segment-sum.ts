import { tf } from '../../tf';
import type { WasmKernelBackend } from '.';

/**
 * UnsortedSegmentSum for the wasm backend (the gradient of `tf.gather`):
 * `out[s, ...] = sum of x[i, ...] over the i with segmentIds[i] = s`, where `x` has shape
 * `[...segmentIds.shape, ...rest]` and `out` has shape `[numSegments, ...rest]` and x's dtype.
 * Ids outside `[0, numSegments)` are skipped, as on the cpu backend.
 */
export const unsortedSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const wasm = backend as WasmKernelBackend;
  const xv = wasm.readSync(x.dataId);
  const ids = wasm.readSync(segmentIds.dataId);
  const inner = ids.length === 0 ? 0 : xv.length / ids.length;
  const out = wasm.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  const ov = wasm.typedArrayFromHeap(out);
  ov.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) ov[dst + j] += xv[src + j];
  }
  return out;
};
