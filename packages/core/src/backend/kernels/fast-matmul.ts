import { tf } from '../../tf';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface BackendLike {
  disposeData(dataId: object): void;
}

function call(kernel: string, args: KernelArgs, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) {
  return tf.getKernel(kernel, 'wasm').kernelFunc({ inputs, backend: args.backend, attrs }) as tf.TensorInfo;
}

/**
 * The stock wasm BatchMatMul is fast (XNNPACK) only for one batch without transposes; with a
 * transpose flag or several batches it runs a naive loop 30-50x slower, and every matMul
 * gradient uses transpose flags. This wrapper transposes explicitly (a fast XNNPACK kernel)
 * and runs one fast 2-D product per batch.
 */
export function makeFastBatchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const backend = args.backend as BackendLike;
    const temps: tf.TensorInfo[] = [];
    const keep = (t: tf.TensorInfo) => (temps.push(t), t);
    const as3d = (x: tf.TensorInfo, transpose: boolean) => {
      const r = x.shape.length;
      const batch = tf.util.sizeFromShape(x.shape.slice(0, -2));
      const x3 = keep(call('Reshape', args, { x }, { shape: [batch, x.shape[r - 2], x.shape[r - 1]] }));
      return transpose ? keep(call('Transpose', args, { x: x3 }, { perm: [0, 2, 1] })) : x3;
    };
    const a3 = as3d(a, transposeA);
    const b3 = as3d(b, transposeB);
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batch = Math.max(a3.shape[0], b3.shape[0]);
    const [m, n] = [a3.shape[1], b3.shape[2]];
    let out: tf.TensorInfo;
    if (batch === 1) {
      out = original({
        inputs: { a: a3, b: b3 },
        backend: args.backend,
        attrs: { transposeA: false, transposeB: false },
      }) as tf.TensorInfo;
    } else {
      const pick = (x: tf.TensorInfo, i: number) =>
        x.shape[0] === 1
          ? x
          : keep(call('Slice', args, { x }, { begin: [i, 0, 0], size: [1, x.shape[1], x.shape[2]] }));
      const parts: tf.TensorInfo[] = [];
      for (let i = 0; i < batch; i++) {
        const p = original({
          inputs: { a: pick(a3, i), b: pick(b3, i) },
          backend: args.backend,
          attrs: { transposeA: false, transposeB: false },
        }) as tf.TensorInfo;
        parts.push(keep(p));
      }
      out = call('Concat', args, parts as unknown as tf.NamedTensorInfoMap, { axis: 0 });
    }
    const result = call('Reshape', args, { x: out }, { shape: [...outer, m, n] });
    keep(out);
    // Reshape shares its input's data and adds a reference, so every temp (out included) drops one.
    for (const t of temps) backend.disposeData(t.dataId);
    return result;
  };
}
