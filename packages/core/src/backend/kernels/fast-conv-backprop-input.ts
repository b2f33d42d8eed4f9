import { tf } from '../../tf';
import type { WasmKernelBackend } from '.';

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

function wasmKernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`Conv2DBackpropInput: the wasm backend has no ${name} kernel`);
  return config.kernelFunc;
}

function run(
  name: string,
  inputs: tf.NamedTensorInfoMap,
  wasm: WasmKernelBackend,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  return wasmKernel(name)({ inputs, backend: wasm, attrs }) as tf.TensorInfo;
}

/**
 * `dy` [N, OH, OW, C] with (stride - 1) zeros between neighbours: [N, (OH-1)sh+1, (OW-1)sw+1, C].
 * Built as reshape -> zero pad of two unit axes -> reshape -> slice, all heap kernels.
 */
function dilate(dy: tf.TensorInfo, sh: number, sw: number, wasm: WasmKernelBackend): tf.TensorInfo {
  const [n, oh, ow, c] = dy.shape;
  const six = run(tf.Reshape, { x: dy }, wasm, { shape: [n, oh, 1, ow, 1, c] });
  const padded = run(tf.PadV2, { x: six }, wasm, {
    paddings: [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ],
    constantValue: 0,
  });
  wasm.disposeData(six.dataId);
  const four = run(tf.Reshape, { x: padded }, wasm, { shape: [n, oh * sh, ow * sw, c] });
  wasm.disposeData(padded.dataId);
  const out = run(tf.Slice, { x: four }, wasm, {
    begin: [0, 0, 0, 0],
    size: [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c],
  });
  wasm.disposeData(four.dataId);
  return out;
}

/**
 * A patchify conv (stride = filter size, no padding, exact tiling) has the input gradient
 * `dy [N*OH*OW, CO] x W^T [CO, KH*KW*CI]` rearranged depth-to-space: one matMul, no zero taps.
 */
function patchifyGradient(dy: tf.TensorInfo, filter: tf.TensorInfo, wasm: WasmKernelBackend): tf.TensorInfo {
  const [n, oh, ow, co] = dy.shape;
  const [kh, kw, ci] = filter.shape;
  const a = run(tf.Reshape, { x: dy }, wasm, { shape: [1, n * oh * ow, co] });
  const b = run(tf.Reshape, { x: filter }, wasm, { shape: [1, kh * kw * ci, co] });
  const prod = run(tf.BatchMatMul, { a, b }, wasm, { transposeA: false, transposeB: true });
  wasm.disposeData(a.dataId);
  wasm.disposeData(b.dataId);
  const six = run(tf.Reshape, { x: prod }, wasm, { shape: [n, oh, ow, kh, kw, ci] });
  wasm.disposeData(prod.dataId);
  const moved = run(tf.Transpose, { x: six }, wasm, { perm: [0, 1, 3, 2, 4, 5] });
  wasm.disposeData(six.dataId);
  const out = run(tf.Reshape, { x: moved }, wasm, { shape: [n, oh * kh, ow * kw, ci] });
  wasm.disposeData(moved.dataId);
  return out;
}

/**
 * The stock wasm Conv2DBackpropInput is a plain loop (the largest cost of a conv net's training
 * step, e.g. 150 ms of ~1 s). The input gradient is one stride-1 forward convolution on XNNPACK:
 * `dx = conv(dilate(dy, stride), flip(W) with in/out channels swapped)`, padded by `K-1-top` before
 * and whatever makes the output `inputShape` after. Square filters only (the wasm forward Conv2D
 * mishandles explicit padding with non-square filters) and NHWC; other cases keep the stock kernel.
 */
export function makeFastConv2DBackpropInput(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const [kh, kw] = filter.shape;
    if (attrs.dataFormat === 'NCHW' || kh !== kw || tf.util.sizeFromShape(dy.shape) === 0) {
      return original(args);
    }
    const conv = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const { top, left } = conv.padInfo;
    const { strideHeight: sh, strideWidth: sw, inHeight: ih, inWidth: iw } = conv;
    const [, oh, ow] = dy.shape;
    const before = [kh - 1 - top, kw - 1 - left];
    const after = [
      ih - ((oh - 1) * sh + 1) - before[0] + kh - 1,
      iw - ((ow - 1) * sw + 1) - before[1] + kw - 1,
    ];
    if ([...before, ...after].some((p) => p < 0)) return original(args);
    const wasm = args.backend as unknown as WasmKernelBackend;
    const exactTiles = sh === kh && sw === kw && ih === oh * kh && iw === ow * kw;
    if (exactTiles && top === 0 && left === 0) return patchifyGradient(dy, filter, wasm);
    const spread = sh > 1 || sw > 1 ? dilate(dy, sh, sw, wasm) : dy;
    const flipped = run(tf.Reverse, { x: filter }, wasm, { dims: [0, 1] });
    const swapped = run(tf.Transpose, { x: flipped }, wasm, { perm: [0, 1, 3, 2] });
    wasm.disposeData(flipped.dataId);
    const pad: Pad4 = [
      [0, 0],
      [before[0], after[0]],
      [before[1], after[1]],
      [0, 0],
    ];
    const dx = run(tf.Conv2D, { x: spread, filter: swapped }, wasm, {
      strides: [1, 1],
      dilations: [1, 1],
      pad,
      dataFormat: 'NHWC',
    });
    wasm.disposeData(swapped.dataId);
    if (spread !== dy) wasm.disposeData(spread.dataId);
    return dx;
  };
}
