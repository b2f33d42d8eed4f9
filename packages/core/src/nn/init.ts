import { tf } from '../tf';
import { nextSeed } from '../utils/random';
import { checkParamBudget } from './param-budget';

/** Glorot/Xavier uniform initialisation for a weight of shape [..., fanIn, fanOut]. */
export function glorotUniform(shape: number[]): tf.Tensor {
  const fanIn = shape[shape.length - 2] ?? shape[0];
  const fanOut = shape[shape.length - 1];
  checkParamBudget(shape);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform(shape, -limit, limit, 'float32', nextSeed());
}

/** Uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)), PyTorch's Linear default. */
export function fanInUniform(shape: number[], fanIn: number): tf.Tensor {
  checkParamBudget(shape);
  const limit = 1 / Math.sqrt(fanIn);
  return tf.randomUniform(shape, -limit, limit, 'float32', nextSeed());
}

/** Truncated-free normal N(0, std^2) from the seeded stream. */
export function normalInit(shape: number[], std: number): tf.Tensor {
  checkParamBudget(shape);
  return tf.randomNormal(shape, 0, std, 'float32', nextSeed());
}
