import { tf } from '../../tf';
import type { ExpertBank } from '../experts/bank';
import { routeRows } from '../ops';
import { DispatchPlan, planExpertChoice, planTokenChoice } from './plan';
import type { DispatchInput, DispatchResult } from './types';

function int32(a: Int32Array, shape: number[]): tf.Tensor {
  return tf.tensor(a, shape, 'int32');
}

/** Runs the plan: gather tokens by expert, grouped products, scatter back, weight. */
function execute(x: tf.Tensor2D, weights: tf.Tensor2D, plan: DispatchPlan, experts: ExpertBank): tf.Tensor2D {
  const { tokens, slots, kept } = plan;
  const d = x.shape[1];
  if (kept === 0) return tf.zerosLike(x);
  const slotPos = int32(plan.slotPos, [tokens, slots]) as tf.Tensor2D;
  const sorted = routeRows(x, int32(plan.srcToken, [kept]) as tf.Tensor1D, slotPos, false, plan.hasEmpty);
  const out = experts.forwardSorted(sorted, plan.groupSizes);
  const perSlot = routeRows(
    out,
    int32(plan.slotPos, [tokens * slots]) as tf.Tensor1D,
    int32(plan.srcSlot, [kept, 1]) as tf.Tensor2D,
    plan.hasEmpty,
    false,
  );
  const mixed = tf.mul(tf.reshape(perSlot, [tokens, slots, d]), tf.expandDims(weights, -1));
  return tf.sum(mixed, 1) as tf.Tensor2D;
}

/** Expert-choice weights [E, C] laid out per (token, slot) [T, R], zero where a slot is empty. */
function slotWeights(weights: tf.Tensor2D, plan: DispatchPlan): tf.Tensor2D {
  const flat = tf.concat([tf.reshape(weights, [-1]), tf.zeros([1])]);
  return tf.reshape(tf.gather(flat, int32(plan.slotPos, [plan.tokens * plan.slots])), [
    plan.tokens,
    plan.slots,
  ]) as tf.Tensor2D;
}

/**
 * Sparse dispatch with one host readback of the routing indices. Dropless (`capacity` omitted):
 * every routed pair is computed; with a capacity, pairs past it are dropped (their slot adds
 * zero, so the residual carries the token).
 */
export function sortedDispatch(input: DispatchInput, capacity = Infinity): DispatchResult {
  const { x, assignment, experts } = input;
  const e = experts.numExperts;
  const t = x.shape[0];
  let plan: DispatchPlan;
  let weights: tf.Tensor2D;
  if (assignment.kind === 'token') {
    const k = assignment.indices.shape[1];
    plan = planTokenChoice(assignment.indices.dataSync() as Int32Array, t, k, e, capacity);
    weights = assignment.weights;
  } else {
    plan = planExpertChoice(assignment.tokens.dataSync() as Int32Array, t, e);
    weights = slotWeights(assignment.weights, plan);
  }
  const y = execute(x, weights, plan, experts);
  return { y, counts: tf.tensor1d(plan.routed), dropped: tf.scalar(plan.dropped) };
}
