import { FfnExperts } from '../moe/experts/ffn-bank';
import { ExpertBank } from '../moe/experts/bank';
import { tf } from '../tf';
import type { StoredBytesReporter } from './stored-bytes';

/** Float32 weights of E FFN experts, row-major: w1 [E, D, H], b1 [E, H], w2 [E, H, D], b2 [E, D]. */
export interface FfnWeights {
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

/**
 * Reads a trained FFN bank's weights back once (copies, safe to keep), synchronously: on a
 * backend without `backendCapabilities().syncReadback` (webgpu) use {@link ffnWeightsOfAsync}.
 *
 * @example
 * ```ts
 * const { w1, b1, w2, b2 } = ffnWeightsOf(moe.experts as FfnExperts);
 * ```
 */
export function ffnWeightsOf(bank: FfnExperts): FfnWeights {
  const read = (v: tf.Variable) => Float32Array.from(v.dataSync());
  return { w1: read(bank.w1), b1: read(bank.b1), w2: read(bank.w2), b2: read(bank.b2) };
}

/**
 * {@link ffnWeightsOf} with awaited reads: works on every backend. The compressed banks built from
 * a trained bank (mixed precision, entropy-coded ternary, nested bits) take these weights as their
 * last argument, so that they are built with no synchronous read.
 *
 * @example
 * ```ts
 * const weights = await ffnWeightsOfAsync(bank);
 * const q = entropyCodedTernaryExperts(bank, {}, weights);
 * ```
 */
export async function ffnWeightsOfAsync(bank: FfnExperts): Promise<FfnWeights> {
  const read = async (v: tf.Variable) => Float32Array.from(await v.data());
  const [w1, b1, w2, b2] = await Promise.all([read(bank.w1), read(bank.b1), read(bank.w2), read(bank.b2)]);
  return { w1, b1, w2, b2 };
}

/**
 * The base of the quantized FFN banks that serve from a cached dequantized copy: the stored form
 * (packed codes, scales, biases; counted by `storedBytes()`) is kept on the host, and the float32
 * weights it decodes to are held once, frozen, in the child `dequantized` (an {@link FfnExperts}),
 * which every forward pass runs. So a forward costs what the float bank's does, and the memory
 * saving is in what is stored or shipped, not in what the device holds while serving.
 */
export abstract class DequantizedFfnBank extends ExpertBank implements StoredBytesReporter {
  readonly dequantized: FfnExperts;
  readonly hidden: number;

  protected constructor(source: FfnExperts, weights: FfnWeights) {
    super(source.numExperts, source.dim);
    const [e, d, h] = [source.numExperts, source.dim, source.hidden];
    this.hidden = h;
    this.dequantized = this.child(
      'dequantized',
      new FfnExperts({ numExperts: e, dim: d, hidden: h, activation: source.activation }),
    );
    tf.tidy(() => {
      this.dequantized.w1.assign(tf.tensor3d(weights.w1, [e, d, h]));
      this.dequantized.b1.assign(tf.tensor2d(weights.b1, [e, h]));
      this.dequantized.w2.assign(tf.tensor3d(weights.w2, [e, h, d]));
      this.dequantized.b2.assign(tf.tensor2d(weights.b2, [e, d]));
    });
    this.dequantized.setTrainable(false);
    this.train(source.training);
  }

  abstract storedBytes(): number;

  forwardAll(x: tf.Tensor2D): tf.Tensor3D {
    return this.dequantized.forwardAll(x);
  }

  forwardSorted(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D {
    return this.dequantized.forwardSorted(x, sizes);
  }

  paramsPerExpert(): number {
    return this.dequantized.paramsPerExpert();
  }

  flopsPerToken(): number {
    return this.dequantized.flopsPerToken();
  }
}
