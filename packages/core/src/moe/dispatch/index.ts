import { capacityDispatch } from './capacity';
import { denseDispatch } from './dense';
import { sortedDispatch } from './sorted';
import type { DispatchInput, DispatchKind, DispatchResult } from './types';

export * from './types';
export { planTokenChoice, planExpertChoice, type DispatchPlan } from './plan';
export { denseDispatch, combineMatrix } from './dense';
export { sortedDispatch } from './sorted';
export { capacityDispatch, expertCapacity } from './capacity';

/** Runs the named dispatch path. */
export function dispatch(kind: DispatchKind, input: DispatchInput): DispatchResult {
  switch (kind) {
    case 'dense':
      return denseDispatch(input);
    case 'sorted':
      return sortedDispatch(input);
    case 'capacity':
      return capacityDispatch(input);
  }
}
