import { MoELayer, setSeed, tf } from '@moe-zoo/core';

/** A dense FFN `relu(x W1 + b1) W2 + b2` on fused matMuls: the fastest dense form on wasm. */
export function denseFfn(dim: number, hidden: number) {
  const w1 = tf.variable(tf.randomNormal([dim, hidden], 0, 1 / Math.sqrt(dim)));
  const b1 = tf.variable(tf.zeros([hidden]));
  const w2 = tf.variable(tf.randomNormal([hidden, dim], 0, 1 / Math.sqrt(hidden)));
  const b2 = tf.variable(tf.zeros([dim]));
  return {
    params: [w1, b1, w2, b2],
    forward: (x: tf.Tensor2D) =>
      tf.fused.matMul({ a: tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' }), b: w2, bias: b2 }),
    paramCount: 2 * dim * hidden + hidden + dim,
    flopsPerToken: 4 * dim * hidden,
    dispose: () => tf.dispose([w1, b1, w2, b2]),
  };
}

/** Forward only: run and read the output back. */
export function forwardStep(forward: (x: tf.Tensor2D) => tf.Tensor, x: tf.Tensor2D): () => void {
  return () =>
    tf.tidy(() => {
      forward(x).dataSync();
    });
}

/** Forward + backward: gradients of sum(y) (+ aux losses) for the parameters and the input. */
export function trainStep(loss: () => tf.Scalar, vars: tf.Variable[]): () => void {
  return () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(loss, vars);
      for (const g of Object.values(grads)) g.dataSync();
    });
}

/** The MoE layer of the perf targets: E=8, k=2, D=512, H=1024 per expert. */
export function perfMoe(
  dispatch: 'dense' | 'sorted' | 'capacity',
  dim: number,
  hidden: number,
  experts: number,
  k: number,
) {
  setSeed(1);
  return new MoELayer({
    dim,
    hidden,
    numExperts: experts,
    topK: k,
    dispatch,
    activation: 'relu',
    capacityFactor: 2,
  });
}
