import { tf } from '../../tf';
import type { WasmKernelBackend } from '.';
import { depthwiseGeometry } from './depthwise-geometry';

/**
 * DepthwiseConv2dNativeBackpropFilter for the wasm backend (NHWC), the math of the cpu kernel on
 * flat indices: `dW[kr,kc,d1,m] = sum_{b,yr,yc} x[b, yr*sh + kr*dh - top, yc*sw + kc*dw - left, d1]
 * * dy[b,yr,yc,d1*chMul+m]`, accumulated in float64.
 */
export const depthwiseConv2dBackpropFilter: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const wasm = backend as WasmKernelBackend;
  const { n, h, w, ci, oh, ow, co, kh, kw, sh, sw, dh, dw, top, left, chMul } = depthwiseGeometry(
    x.shape,
    filterShape,
    {
      strides,
      dilations,
      pad,
      dimRoundingMode,
    },
  );
  const xv = wasm.readSync(x.dataId);
  const dyv = wasm.readSync(dy.dataId);
  // Filter [KH,KW,CI,chMul] flattens to (kr*KW + kc)*CO + d2 with d2 = d1*chMul + m.
  const acc = new Float64Array(kh * kw * co);
  for (let kr = 0; kr < kh; kr++) {
    // The output rows whose input row kr*dh + yr*sh - top lies in [0, H).
    const yrMin = Math.max(0, Math.ceil((top - kr * dh) / sh));
    const yrMax = Math.min(oh, Math.ceil((h + top - kr * dh) / sh));
    for (let kc = 0; kc < kw; kc++) {
      const ycMin = Math.max(0, Math.ceil((left - kc * dw) / sw));
      const ycMax = Math.min(ow, Math.ceil((w + left - kc * dw) / sw));
      const tap = (kr * kw + kc) * co;
      for (let b = 0; b < n; b++) {
        for (let yr = yrMin; yr < yrMax; yr++) {
          const xRow = (b * h + yr * sh + kr * dh - top) * w;
          const dyRow = (b * oh + yr) * ow;
          for (let yc = ycMin; yc < ycMax; yc++) {
            const xo = (xRow + yc * sw + kc * dw - left) * ci;
            const dyo = (dyRow + yc) * co;
            for (let d1 = 0, d2 = 0; d1 < ci; d1++) {
              const xval = xv[xo + d1];
              for (let m = 0; m < chMul; m++, d2++) acc[tap + d2] += xval * dyv[dyo + d2];
            }
          }
        }
      }
    }
  }
  const out = wasm.makeOutput([kh, kw, ci, chMul], 'float32');
  wasm.typedArrayFromHeap(out).set(acc);
  return out;
};
