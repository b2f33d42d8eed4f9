import { tf } from '../tf';
import type { MultiHeadAttention } from './attention';
import type { JetMoeAttention } from './jetmoe-attention';

/** `target` [E, ...shape] set to E copies of `source` [...shape]. */
function copyIntoEvery(target: tf.Variable, source: tf.Tensor | undefined, name: string): void {
  if (!source) throw new Error(`upcycleAttention: the dense attention has no ${name}`);
  if (!tf.util.arraysEqual(target.shape.slice(1), source.shape)) {
    throw new Error(
      `upcycleAttention: the dense ${name} [${source.shape}] does not fit each expert's [${target.shape.slice(1)}]`,
    );
  }
  tf.tidy(() => target.assign(tf.broadcastTo(tf.expandDims(source, 0), target.shape)));
}

/**
 * BAM's attention upcycling (Zhang et al. 2024, "BAM! Just Like That: Simple and Efficient
 * Parameter Upcycling for Mixture of Attention Experts", arXiv 2408.08274), key/value-sharing
 * variant: every attention expert of `experts` takes the trained `dense` attention's query and
 * output projections, and the experts' shared key and value projections take the dense ones.
 * With soft routing (`topK` = `numExperts`: every expert, weighted by the router's softmax, as in
 * BAM) the upcycled attention computes the dense attention exactly, since the gates sum to 1; the
 * router keeps its initialisation. Shapes are checked (same width, heads and head width, and
 * biases on both or neither). Upcycle the FFNs with {@link upcycle}.
 *
 * @example
 * ```ts
 * const dense = new MultiHeadAttention(32, 4); // trained
 * const bam = new JetMoeAttention({ dim: 32, heads: 4, numExperts: 4, topK: 4, auxLoss: 0 });
 * upcycleAttention(bam, dense); // bam.forward(x).y equals dense.forward(x)
 * ```
 */
export function upcycleAttention(experts: JetMoeAttention, dense: MultiHeadAttention): void {
  if (Boolean(experts.qBias) !== Boolean(dense.q.bias)) {
    throw new Error(
      `upcycleAttention: the attention experts ${experts.qBias ? 'have' : 'have no'} biases, the dense attention ${dense.q.bias ? 'has' : 'has none'}`,
    );
  }
  copyIntoEvery(experts.qWeight, dense.q.weight, 'query weight');
  copyIntoEvery(experts.outWeight, dense.out.weight, 'output weight');
  if (experts.qBias) copyIntoEvery(experts.qBias, dense.q.bias, 'query bias');
  if (experts.outBias) copyIntoEvery(experts.outBias, dense.out.bias, 'output bias');
  experts.k.loadStateDict(dense.k.stateDict(), { source: 'upcycleAttention: dense keys' });
  experts.v.loadStateDict(dense.v.stateDict(), { source: 'upcycleAttention: dense values' });
}
