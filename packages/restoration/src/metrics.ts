import { tf } from '@moe-zoo/core';

/** SSIM constants for a data range of 1: C1 = (0.01)^2, C2 = (0.03)^2 (Wang et al. 2004). */
export const SSIM_C1 = 0.01 ** 2;
/** See {@link SSIM_C1}. */
export const SSIM_C2 = 0.03 ** 2;

function asBatch(x: tf.Tensor): tf.Tensor4D {
  if (x.rank === 3) return tf.expandDims(x, 0) as tf.Tensor4D;
  if (x.rank !== 4) throw new Error(`expected an image [H, W, C] or a batch [B, H, W, C], got [${x.shape}]`);
  return x as tf.Tensor4D;
}

function checkPair(a: tf.Tensor, b: tf.Tensor, what: string): void {
  if (!tf.util.arraysEqual(a.shape, b.shape)) {
    throw new Error(`${what}: shapes [${a.shape}] and [${b.shape}] differ`);
  }
}

/** Reads a per-image result back (awaited: works on every backend) and disposes it. */
async function readAndDispose(values: tf.Tensor): Promise<number[]> {
  try {
    return Array.from(await values.data());
  } finally {
    values.dispose();
  }
}

/**
 * Peak signal-to-noise ratio per image, `10 log10(max^2 / MSE)`, for images in [0, max]
 * ([H, W, C] or [B, H, W, C]). Identical images give `Infinity`. The values are read back with
 * an awaited read, so it runs on every backend (webgpu in Node included).
 *
 * @example
 * ```ts
 * const [db] = await psnr(restored, clean); // restored, clean: [H, W, 3] in [0, 1]
 * ```
 */
export async function psnr(a: tf.Tensor, b: tf.Tensor, maxValue = 1): Promise<number[]> {
  checkPair(a, b, 'psnr');
  const mse = tf.tidy(() => tf.mean(tf.squaredDifference(asBatch(a), asBatch(b)), [1, 2, 3]));
  const values = await readAndDispose(mse);
  return values.map((m) => (m === 0 ? Infinity : 10 * Math.log10((maxValue * maxValue) / m)));
}

/** The normalised 1-D Gaussian of `size` taps and deviation `sigma`. */
export function gaussianKernel1d(size = 11, sigma = 1.5): number[] {
  const half = (size - 1) / 2;
  const g = Array.from({ length: size }, (_, i) => Math.exp(-((i - half) ** 2) / (2 * sigma * sigma)));
  const s = g.reduce((x, y) => x + y, 0);
  return g.map((v) => v / s);
}

/** Options of {@link ssim}. */
export interface SsimOptions {
  /** Gaussian window size (default 11). */
  windowSize?: number;
  /** Gaussian deviation (default 1.5). */
  sigma?: number;
  /** Data range (default 1). */
  maxValue?: number;
}

/**
 * Structural similarity per image (Wang et al. 2004): Gaussian window 11, sigma 1.5,
 * C1 = (0.01 L)^2, C2 = (0.03 L)^2, statistics over valid window positions of each channel, the
 * SSIM map averaged over positions and channels. Images [H, W, C] or [B, H, W, C], at least as
 * large as the window. Read back with an awaited read, as {@link psnr}.
 *
 * @example
 * ```ts
 * const [s] = await ssim(restored, clean); // 1 for identical images
 * ```
 */
export async function ssim(a: tf.Tensor, b: tf.Tensor, options: SsimOptions = {}): Promise<number[]> {
  checkPair(a, b, 'ssim');
  const { windowSize = 11, sigma = 1.5, maxValue = 1 } = options;
  const x = asBatch(a);
  const [, h, w, c] = x.shape;
  if (h < windowSize || w < windowSize) {
    throw new Error(`ssim: images ${h}x${w} are smaller than the ${windowSize}x${windowSize} window`);
  }
  const c1 = (0.01 * maxValue) ** 2;
  const c2 = (0.03 * maxValue) ** 2;
  const values = tf.tidy(() => {
    const g = gaussianKernel1d(windowSize, sigma);
    const kernel = tf.tile(
      tf.reshape(tf.outerProduct(tf.tensor1d(g), tf.tensor1d(g)), [windowSize, windowSize, 1, 1]),
      [1, 1, c, 1],
    ) as tf.Tensor4D;
    const filt = (t: tf.Tensor4D) => tf.depthwiseConv2d(t, kernel, 1, 'valid');
    const xa = tf.cast(x, 'float32') as tf.Tensor4D;
    const xb = tf.cast(asBatch(b), 'float32') as tf.Tensor4D;
    const muA = filt(xa);
    const muB = filt(xb);
    const varA = tf.sub(filt(tf.mul(xa, xa)), tf.mul(muA, muA));
    const varB = tf.sub(filt(tf.mul(xb, xb)), tf.mul(muB, muB));
    const cov = tf.sub(filt(tf.mul(xa, xb)), tf.mul(muA, muB));
    const num = tf.mul(tf.add(tf.mul(tf.mul(muA, muB), 2), c1), tf.add(tf.mul(cov, 2), c2));
    const den = tf.mul(
      tf.add(tf.add(tf.mul(muA, muA), tf.mul(muB, muB)), c1),
      tf.add(tf.add(varA, varB), c2),
    );
    return tf.mean(tf.div(num, den), [1, 2, 3]);
  });
  return readAndDispose(values);
}
