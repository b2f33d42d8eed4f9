import { tf } from '../../tf';
import type { ExpertBank } from '../experts/bank';
import { routeRows } from '../ops';

/** The index tensors of a plan, wherever it was built. */
export interface Routes {
  /** [N]: source token of each sorted row. */
  srcToken: tf.Tensor1D;
  /** [T, R]: sorted row of each (token, slot). */
  slotPos: tf.Tensor2D;
  /** [N, 1]: flat (token, slot) of each sorted row. */
  srcSlot: tf.Tensor2D;
  /** Rows per expert, known on the host. */
  groupSizes: number[];
  /** Some (token, slot) has no sorted row (empty or dropped): it reads a zero row. */
  emptySlots: boolean;
  /** Some sorted row has no (token, slot) (padding): it reads a zero row. */
  paddedRows: boolean;
}

/** Runs a plan: gather tokens by expert, grouped products, scatter back, weight. */
export function execute(x: tf.Tensor2D, weights: tf.Tensor2D, r: Routes, experts: ExpertBank): tf.Tensor2D {
  const [tokens, slots] = r.slotPos.shape;
  const d = x.shape[1];
  const sorted = routeRows(x, r.srcToken, r.slotPos, r.paddedRows, r.emptySlots);
  const out = experts.forwardSorted(sorted, r.groupSizes);
  const perSlot = routeRows(out, tf.reshape(r.slotPos, [-1]), r.srcSlot, r.emptySlots, r.paddedRows);
  const mixed = tf.mul(tf.reshape(perSlot, [tokens, slots, d]), tf.expandDims(weights, -1));
  return tf.sum(mixed, 1) as tf.Tensor2D;
}
