/** The perf suite's layer arms: a dense FFN and the MoE layer per dispatch path, forward and forward + backward. */
import { MoELayer, setSeed, tf } from '@moe-zoo/core';
import { settle, type AsyncTimedArm } from '../../perf/timing';
import type { RowHead } from '../../stats';
import { passTask, type LayerShape, type Pass } from './plan';

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

/**
 * Forward only: run, then wait for the output ({@link settle}: read back where reads are
 * synchronous, await the device otherwise).
 */
export function forwardStep(
  forward: (x: tf.Tensor2D) => tf.Tensor,
  x: tf.Tensor2D,
): () => void | Promise<void> {
  return () => settle(tf.tidy(() => forward(x)));
}

/** Forward + backward: gradients of sum(y) (+ aux losses) for the parameters and the input, then {@link settle}. */
export function trainStep(loss: () => tf.Scalar, vars: tf.Variable[]): () => void | Promise<void> {
  return () => settle(tf.tidy(() => Object.values(tf.variableGrads(loss, vars).grads)));
}

/** The MoE layer of the perf targets (a {@link LayerShape}) with one dispatch path. */
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

/** One timed arm of the layer comparison and what its row says about it. */
export interface LayerArm extends AsyncTimedArm {
  /** Model, variant, pass (`fwd` / `fwdbwd`) and sizes of the arm's row. */
  head: RowHead;
  /** FLOPs of one timed call over all tokens (active FLOPs; backward counts as twice the forward). */
  flops: number;
}

/** The layer arms and the disposal of their tensors. */
export interface LayerArms {
  arms: LayerArm[];
  dispose(): void;
}

const PASSES: Record<Pass, number> = { fwd: 1, fwdbwd: 3 };

/**
 * Every arm of every layer claim at `tokens` tokens, to be timed together (dense dispatch
 * included, for its claim): the dense FFN of equal active FLOPs (hidden k x H) and the MoE layer
 * with sorted, capacity and dense dispatch, each forward and forward + backward, on one shared
 * random input. `first` names the rows as earlier reports did (see {@link passTask}).
 */
export function layerArms(shape: LayerShape, tokens: number, first: boolean): LayerArms {
  const { dim, hidden, experts, topK } = shape;
  const x = tf.variable(tf.randomNormal([tokens, dim])) as tf.Variable<tf.Rank.R2>;
  const dense = denseFfn(dim, topK * hidden);
  const layers = {
    sorted: perfMoe('sorted', dim, hidden, experts, topK),
    capacity: perfMoe('capacity', dim, hidden, experts, topK),
    dense: perfMoe('dense', dim, hidden, experts, topK),
  };
  type Dispatch = keyof typeof layers;
  const moeLoss = (l: MoELayer) => () => {
    const { y, aux } = l.forward(x);
    return tf.addN([tf.sum(y), ...Object.values(aux.losses)]) as tf.Scalar;
  };
  const ffnArm = (pass: Pass, run: () => void | Promise<void>): LayerArm => ({
    name: `dense-ffn/${pass}`,
    run,
    head: {
      model: 'dense-ffn',
      variant: 'fused',
      task: passTask(pass, tokens, first),
      paramsTotal: dense.paramCount,
      paramsActive: dense.paramCount,
      flopsPerSample: dense.flopsPerToken,
    },
    flops: PASSES[pass] * tokens * dense.flopsPerToken,
  });
  const moeArm = (dispatch: Dispatch, pass: Pass): LayerArm => {
    const l = layers[dispatch];
    return {
      name: `${dispatch}/${pass}`,
      run:
        pass === 'fwd'
          ? forwardStep((v) => l.forward(v).y, x)
          : trainStep(moeLoss(l), [x, ...l.parameters()]),
      head: {
        model: 'moe-layer',
        variant: dispatch,
        task: passTask(pass, tokens, first),
        paramsTotal: l.countParams(),
        paramsActive: l.activeParams(),
        flopsPerSample: l.flopsPerToken(),
      },
      flops: PASSES[pass] * tokens * l.flopsPerToken(),
    };
  };
  // The order of the rows in earlier reports.
  const arms = [
    ffnArm('fwd', forwardStep(dense.forward, x)),
    moeArm('sorted', 'fwd'),
    moeArm('capacity', 'fwd'),
    ffnArm(
      'fwdbwd',
      trainStep(() => tf.sum(dense.forward(x)) as tf.Scalar, [x, ...dense.params]),
    ),
    moeArm('sorted', 'fwdbwd'),
    moeArm('capacity', 'fwdbwd'),
    moeArm('dense', 'fwd'),
    moeArm('dense', 'fwdbwd'),
  ];
  return {
    arms,
    dispose: () => {
      x.dispose();
      dense.dispose();
      Object.values(layers).forEach((l) => l.dispose());
    },
  };
}
