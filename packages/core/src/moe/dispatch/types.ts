import type { tf } from '../../tf';
import type { ExpertBank } from '../experts/bank';
import type { ExpertChoice, TokenChoice } from '../routers/router';

/** The three interchangeable dispatch paths. */
export type DispatchKind = 'dense' | 'sorted' | 'capacity';

export interface DispatchInput {
  x: tf.Tensor2D;
  assignment: TokenChoice | ExpertChoice;
  experts: ExpertBank;
  /** Capacity factor for `capacity` dispatch: C = ceil(cf · T · k / E). */
  capacityFactor?: number;
}

/** One contract for all paths: `y` [T, D] = Σ over assigned experts of weight · expert(x). */
export interface DispatchResult {
  y: tf.Tensor2D;
  /** Pairs routed to each expert before drops [E]. */
  counts: tf.Tensor1D;
  /** Pairs dropped by capacity (scalar). */
  dropped: tf.Scalar;
}
