import { tf } from '../../tf';

interface BackendLike {
  disposeData(dataId: object): void;
}

/**
 * The stock wasm Gather copies element by element (~10x slower than a copy); its GatherNd copies
 * whole rows. Along axis 0 without batch dims the two agree, so route that case to GatherNd.
 */
export function makeFastGather(original: tf.KernelFunc): tf.KernelFunc {
  const reshape = tf.getKernel('Reshape', 'wasm').kernelFunc;
  const gatherNd = tf.getKernel('GatherNd', 'wasm').kernelFunc;
  return (args) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    const ax = axis < 0 ? axis + x.shape.length : axis;
    if (ax !== 0 || batchDims !== 0 || x.shape.length < 2) return original(args);
    const backend = args.backend as BackendLike;
    const idx = reshape({
      inputs: { x: indices },
      backend: args.backend,
      attrs: { shape: [...indices.shape, 1] },
    }) as tf.TensorInfo;
    const out = gatherNd({
      inputs: { params: x, indices: idx },
      backend: args.backend,
      attrs: {},
    }) as tf.TensorInfo;
    backend.disposeData(idx.dataId);
    return out;
  };
}
