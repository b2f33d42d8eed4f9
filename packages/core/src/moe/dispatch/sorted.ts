import { backendCapabilities } from '../../backend/capabilities';
import { tf } from '../../tf';
import { dispatchOnDevice } from './device-dispatch';
import { execute, type Routes } from './execute';
import { DispatchPlan, planExpertChoice, planTokenChoice } from './plan';
import type { DispatchInput, DispatchResult } from './types';

function int32(a: Int32Array, shape: number[]): tf.Tensor {
  return tf.tensor(a, shape, 'int32');
}

/** The host plan as index tensors (every sorted row has a source). */
function hostRoutes(plan: DispatchPlan): Routes {
  return {
    srcToken: int32(plan.srcToken, [plan.kept]) as tf.Tensor1D,
    slotPos: int32(plan.slotPos, [plan.tokens, plan.slots]) as tf.Tensor2D,
    srcSlot: int32(plan.srcSlot, [plan.kept, 1]) as tf.Tensor2D,
    groupSizes: plan.groupSizes,
    emptySlots: plan.hasEmpty,
    paddedRows: false,
  };
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
 * Sparse dispatch. Dropless (`capacity` omitted): every routed pair is computed; with a
 * capacity, pairs past it are dropped (their slot adds zero, so the residual carries the token).
 * Where the backend reads back cheaply (`syncReadback`), one host readback of the routing
 * indices builds an exact-size plan; elsewhere the plan is built on the device with padded
 * groups (docs/architecture.md, "Dispatch").
 */
export function sortedDispatch(input: DispatchInput, capacity = Infinity): DispatchResult {
  if (!backendCapabilities().syncReadback) return dispatchOnDevice(input, capacity);
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
  const y = plan.kept === 0 ? tf.zerosLike(x) : execute(x, weights, hostRoutes(plan), experts);
  return { y, counts: tf.tensor1d(plan.routed), dropped: tf.scalar(plan.dropped) };
}
