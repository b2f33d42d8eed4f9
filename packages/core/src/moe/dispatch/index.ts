import { tf } from '../../tf';
import { capacityDispatch } from './capacity';
import { denseDispatch } from './dense';
import { sortedDispatch } from './sorted';
import type { DispatchInput, DispatchKind, DispatchResult } from './types';

export * from './types';
export { planTokenChoice, planExpertChoice, type DispatchPlan } from './plan';
export { denseDispatch, combineMatrix } from './dense';
export { sortedDispatch } from './sorted';
export { capacityDispatch, expertCapacity } from './capacity';

function run(kind: DispatchKind, input: DispatchInput): DispatchResult {
  switch (kind) {
    case 'dense':
      return denseDispatch(input);
    case 'sorted':
      return sortedDispatch(input);
    case 'capacity':
      return capacityDispatch(input);
  }
}

/** Runs the named dispatch path; intermediates are freed, only `y`, `counts` and `dropped` remain. */
export function dispatch(kind: DispatchKind, input: DispatchInput): DispatchResult {
  return tf.tidy(() => run(kind, input) as unknown as tf.TensorContainer) as unknown as DispatchResult;
}
