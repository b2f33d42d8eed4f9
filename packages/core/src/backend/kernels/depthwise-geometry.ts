import { tf } from '../../tf';

/** The sizes both depthwise backprop kernels loop over, from tfjs's own conv arithmetic. */
export function depthwiseGeometry(
  xShape: number[],
  filterShape: number[],
  attrs: Pick<
    tf.DepthwiseConv2dNativeBackpropFilterAttrs,
    'strides' | 'dilations' | 'pad' | 'dimRoundingMode'
  >,
) {
  const c = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  return {
    n: c.batchSize,
    h: c.inHeight,
    w: c.inWidth,
    ci: c.inChannels,
    oh: c.outHeight,
    ow: c.outWidth,
    co: c.outChannels,
    kh: c.filterHeight,
    kw: c.filterWidth,
    sh: c.strideHeight,
    sw: c.strideWidth,
    dh: c.dilationHeight,
    dw: c.dilationWidth,
    top: c.padInfo.top,
    left: c.padInfo.left,
    chMul: c.outChannels / c.inChannels,
  };
}
