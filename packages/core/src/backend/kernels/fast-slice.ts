import { tf } from '../../tf';

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  wasm: { HEAPU8: Uint8Array };
}

/**
 * The stock wasm Slice reads its input with `readSync`, which copies the WHOLE input out of the
 * heap for every slice (splitting a tensor in n costs n full copies). A contiguous slice is one
 * `copyWithin` inside the heap; other slices keep the stock kernel.
 */
export function makeFastSlice(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    if (x.dtype === 'string') return original(args);
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    if (!tf.slice_util.isSliceContinous(x.shape, begin_, size_)) return original(args);
    const backend = args.backend as unknown as WasmHeapBackend;
    const out = backend.makeOutput(size_, x.dtype);
    const bytes = x.dtype === 'bool' ? 1 : 4;
    const offset = tf.slice_util.computeFlatOffset(begin_, tf.util.computeStrides(x.shape)) * bytes;
    const length = tf.util.sizeFromShape(size_) * bytes;
    const src = backend.dataIdMap.get(x.dataId).memoryOffset + offset;
    const dst = backend.dataIdMap.get(out.dataId).memoryOffset;
    backend.wasm.HEAPU8.copyWithin(dst, src, src + length);
    return out;
  };
}
