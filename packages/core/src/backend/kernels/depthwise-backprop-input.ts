import { tf } from '../../tf';
import type { WasmKernelBackend } from '.';
import { depthwiseGeometry } from './depthwise-geometry';

/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend (NHWC), the math of the cpu kernel on
 * flat indices: every `dy[b,yr,yc,d1*chMul+m] * f[kr,kc,d1,m]` is added to
 * `dx[b, yr*sh + kr*dh - top, yc*sw + kc*dw - left, d1]` when that lies inside the input,
 * accumulated in float64.
 */
export const depthwiseConv2dBackpropInput: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const wasm = backend as WasmKernelBackend;
  const { n, h, w, ci, oh, ow, co, kh, kw, sh, sw, dh, dw, top, left, chMul } = depthwiseGeometry(
    inputShape,
    filter.shape,
    {
      strides,
      dilations,
      pad,
      dimRoundingMode,
    },
  );
  const dyv = wasm.readSync(dy.dataId);
  const fv = wasm.readSync(filter.dataId);
  const acc = new Float64Array(n * h * w * ci);
  for (let b = 0; b < n; b++) {
    for (let yr = 0; yr < oh; yr++) {
      for (let yc = 0; yc < ow; yc++) {
        const dyo = ((b * oh + yr) * ow + yc) * co;
        for (let kr = 0; kr < kh; kr++) {
          const xr = yr * sh + kr * dh - top;
          if (xr < 0 || xr >= h) continue;
          for (let kc = 0; kc < kw; kc++) {
            const xc = yc * sw + kc * dw - left;
            if (xc < 0 || xc >= w) continue;
            const xo = ((b * h + xr) * w + xc) * ci;
            // Filter [KH,KW,CI,chMul] flattens to (kr*KW + kc)*CO + d2, like dy's channels.
            const fo = (kr * kw + kc) * co;
            for (let d1 = 0, d2 = 0; d1 < ci; d1++) {
              let sum = 0;
              for (let m = 0; m < chMul; m++, d2++) sum += dyv[dyo + d2] * fv[fo + d2];
              acc[xo + d1] += sum;
            }
          }
        }
      }
    }
  }
  const out = wasm.makeOutput([n, h, w, ci], 'float32');
  wasm.typedArrayFromHeap(out).set(acc);
  return out;
};
