import { tf } from '../../tf';
import type { WasmKernelBackend } from '.';

interface BackpropFilterArgs {
  x: tf.TensorInfo;
  dy: tf.TensorInfo;
  wasm: WasmKernelBackend;
  conv: tf.backend_util.Conv2DInfo;
}

function convInfoOf(x: tf.TensorInfo, attrs: tf.Conv2DBackpropFilterAttrs): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat === 'NCHW') {
    throw new Error('Conv2DBackpropFilter on wasm supports only dataFormat NHWC, got NCHW');
  }
  const { strides, pad, dimRoundingMode, filterShape } = attrs;
  const xShape = x.shape as [number, number, number, number];
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode);
}

function wasmKernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`Conv2DBackpropFilter: the wasm backend has no ${name} kernel`);
  return config.kernelFunc;
}

function run(name: string, x: tf.TensorInfo, wasm: WasmKernelBackend, attrs: tf.NamedAttrMap): tf.TensorInfo {
  return wasmKernel(name)({ inputs: { x }, backend: wasm, attrs }) as tf.TensorInfo;
}

/**
 * The filter gradient as one stride-1 convolution on the wasm backend's XNNPACK kernels:
 * `dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*sh + kh - top, ow*sw + kw - left, ci] * dy[n,oh,ow,co]`
 * is a conv of x seen as `[CI, H, W, N]` (batch = CI, channels = N) with dy seen as a
 * `[OH, OW, N, CO]` filter dilated by the forward strides. Its output `[CI, KH', KW', CO]` has
 * KH' >= KH when the forward conv floored its output size; the extra rows are filter taps past
 * the end and are sliced off.
 */
function composed({ x, dy, wasm, conv }: BackpropFilterArgs): tf.TensorInfo {
  const { top, bottom, left, right } = conv.padInfo;
  const xt = run(tf.Transpose, x, wasm, { perm: [3, 1, 2, 0] });
  const dyt = run(tf.Transpose, dy, wasm, { perm: [1, 2, 0, 3] });
  const full = wasmKernel(tf.Conv2D)({
    inputs: { x: xt, filter: dyt },
    backend: wasm,
    attrs: {
      strides: [1, 1],
      dilations: [conv.strideHeight, conv.strideWidth],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  }) as tf.TensorInfo;
  wasm.disposeData(xt.dataId);
  wasm.disposeData(dyt.dataId);
  const [ci, kh, kw, co] = full.shape;
  let cropped = full;
  if (kh !== conv.filterHeight || kw !== conv.filterWidth) {
    cropped = run(tf.Slice, full, wasm, {
      begin: [0, 0, 0, 0],
      size: [ci, conv.filterHeight, conv.filterWidth, co],
    });
    wasm.disposeData(full.dataId);
  }
  const out = run(tf.Transpose, cropped, wasm, { perm: [1, 2, 0, 3] });
  wasm.disposeData(cropped.dataId);
  return out;
}

/** The same gradient as a plain loop; for shapes the composed conv cannot express. */
function loop({ x, dy, wasm, conv }: BackpropFilterArgs): tf.TensorInfo {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = conv;
  const { outChannels: co, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = conv;
  const { top, left } = conv.padInfo;
  const xv = wasm.readSync(x.dataId);
  const dyv = wasm.readSync(dy.dataId);
  const acc = new Float64Array(kh * kw * ci * co);
  for (let fr = 0; fr < kh; fr++) {
    for (let fc = 0; fc < kw; fc++) {
      const tap = (fr * kw + fc) * ci * co;
      for (let b = 0; b < n; b++) {
        for (let yr = 0; yr < oh; yr++) {
          const xr = yr * sh + fr - top;
          if (xr < 0 || xr >= h) continue;
          for (let yc = 0; yc < ow; yc++) {
            const xc = yc * sw + fc - left;
            if (xc < 0 || xc >= w) continue;
            const xo = ((b * h + xr) * w + xc) * ci;
            const dyo = ((b * oh + yr) * ow + yc) * co;
            for (let d1 = 0; d1 < ci; d1++) {
              const xval = xv[xo + d1];
              if (xval === 0) continue;
              const base = tap + d1 * co;
              for (let d2 = 0; d2 < co; d2++) acc[base + d2] += xval * dyv[dyo + d2];
            }
          }
        }
      }
    }
  }
  const out = wasm.makeOutput([kh, kw, ci, co], 'float32');
  wasm.typedArrayFromHeap(out).set(acc);
  return out;
}

function argsOf(params: Parameters<tf.KernelFunc>[0]): BackpropFilterArgs {
  const { x, dy } = params.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const conv = convInfoOf(x, params.attrs as unknown as tf.Conv2DBackpropFilterAttrs);
  return { x, dy, wasm: params.backend as WasmKernelBackend, conv };
}

/**
 * Conv2DBackpropFilter for the wasm backend (NHWC only), composed from its Transpose, Conv2D and
 * Slice kernels. Falls back to {@link conv2dBackpropFilterLoop} when the composed conv would be
 * smaller than the filter (e.g. `dimRoundingMode: 'ceil'`) or an operand is empty.
 */
export const conv2dBackpropFilter: tf.KernelFunc = (params) => {
  const args = argsOf(params);
  const { conv } = args;
  const { top, bottom, left, right } = conv.padInfo;
  const composedHeight = conv.inHeight + top + bottom - (conv.outHeight - 1) * conv.strideHeight;
  const composedWidth = conv.inWidth + left + right - (conv.outWidth - 1) * conv.strideWidth;
  const fits = composedHeight >= conv.filterHeight && composedWidth >= conv.filterWidth;
  const empty = tf.util.sizeFromShape(args.x.shape) === 0 || tf.util.sizeFromShape(args.dy.shape) === 0;
  return fits && !empty ? composed(args) : loop(args);
};

/** Conv2DBackpropFilter for the wasm backend as a JS loop: the fallback, exported for checks. */
export const conv2dBackpropFilterLoop: tf.KernelFunc = (params) => loop(argsOf(params));
