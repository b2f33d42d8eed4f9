import { tf } from '../../tf';
import type { ExpertBank } from '../experts/bank';
import type { ExpertChoice } from '../routers/router';
import { unaryCustomGrad } from '../ops';
import { planTokenChoiceOnDevice } from './device-plan';
import { execute, type Routes } from './execute';
import type { DispatchInput, DispatchResult } from './types';

/**
 * Expert choice without a readback: every expert's C chosen tokens are its group, and the
 * weighted outputs are summed back per token by a segment sum.
 */
function expertChoiceOnDevice(x: tf.Tensor2D, assignment: ExpertChoice, experts: ExpertBank): tf.Tensor2D {
  const [e, c] = assignment.tokens.shape;
  const t = x.shape[0];
  // The token ids are constants for autodiff (custom gradients keep them off the tape).
  const src = tf.reshape(assignment.tokens, [-1]) as tf.Tensor1D;
  const gather = (v: tf.Tensor) =>
    unaryCustomGrad(
      v,
      (a) => tf.gather(a, src),
      (dy, [ids]) => tf.unsortedSegmentSum(dy, ids as tf.Tensor1D, t),
      [src],
    );
  const scatter = (v: tf.Tensor) =>
    unaryCustomGrad(
      v,
      (a) => tf.unsortedSegmentSum(a, src, t),
      (dy, [ids]) => tf.gather(dy, ids),
      [src],
    );
  const out = experts.forwardSorted(gather(x) as tf.Tensor2D, new Array<number>(e).fill(c));
  return scatter(tf.mul(out, tf.reshape(assignment.weights, [-1, 1]))) as tf.Tensor2D;
}

/**
 * The plan without a readback (backends without cheap synchronous reads): padded groups of
 * C = min(capacity, T) rows per expert. Exact for both paths; dropless costs E·T rows of expert
 * work (the dense path's FLOPs), capacity dispatch E·C.
 */
export function dispatchOnDevice(input: DispatchInput, capacity: number): DispatchResult {
  const { x, assignment, experts } = input;
  const e = experts.numExperts;
  const t = x.shape[0];
  if (assignment.kind === 'expert') {
    const c = assignment.tokens.shape[1];
    return {
      y: expertChoiceOnDevice(x, assignment, experts),
      counts: tf.fill([e], c),
      dropped: tf.scalar(0),
    };
  }
  const cap = Math.min(capacity, t);
  const plan = planTokenChoiceOnDevice(assignment.indices, e, cap);
  const routes: Routes = {
    srcToken: plan.srcToken,
    slotPos: plan.slotPos,
    srcSlot: plan.srcSlot,
    groupSizes: new Array<number>(e).fill(cap),
    emptySlots: true,
    paddedRows: true,
  };
  return { y: execute(x, assignment.weights, routes, experts), counts: plan.routed, dropped: plan.dropped };
}
