import { tf } from '../../tf';
import { countAssignments, oneHotFloat } from '../ops';
import type { ExpertChoice, TokenChoice } from '../routers/router';
import type { DispatchInput, DispatchResult } from './types';

/** The [T, E] combine matrix G: G[t, e] = weight of expert e for token t (0 if not assigned). */
export function combineMatrix(
  assignment: TokenChoice | ExpertChoice,
  tokens: number,
  experts: number,
): tf.Tensor2D {
  if (assignment.kind === 'token') {
    const mask = oneHotFloat(assignment.indices, experts); // [T, k, E]
    return tf.sum(tf.mul(mask, tf.expandDims(assignment.weights, -1)), 1) as tf.Tensor2D;
  }
  const mask = oneHotFloat(assignment.tokens, tokens); // [E, C, T]
  return tf.transpose(tf.sum(tf.mul(mask, tf.expandDims(assignment.weights, -1)), 1)) as tf.Tensor2D;
}

/**
 * Per-expert routed counts [E] of an assignment; with `valid` [T] (1 = real token, 0 = padding)
 * only real tokens count.
 */
export function assignmentCounts(
  assignment: TokenChoice | ExpertChoice,
  experts: number,
  valid?: tf.Tensor1D,
): tf.Tensor1D {
  if (assignment.kind === 'token') return countAssignments(assignment.indices, experts, valid);
  if (!valid) return tf.fill([experts], assignment.tokens.shape[1]);
  return tf.tidy(() => tf.sum(tf.gather(valid, assignment.tokens), 1) as tf.Tensor1D);
}

/**
 * Dense reference dispatch: every expert runs on every token and the outputs are mixed by the
 * combine matrix. Exact and differentiable, E/k times the FLOPs of the sparse paths.
 */
export function denseDispatch({ x, assignment, experts }: DispatchInput): DispatchResult {
  const e = experts.numExperts;
  const all = experts.forwardAll(x); // [E, T, D]
  const g = combineMatrix(assignment, x.shape[0], e); // [T, E]
  const y = tf.sum(tf.mul(all, tf.expandDims(tf.transpose(g), -1)), 0) as tf.Tensor2D;
  return { y, counts: assignmentCounts(assignment, e), dropped: tf.scalar(0) };
}
