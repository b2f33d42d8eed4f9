import { sortedDispatch } from './sorted';
import type { DispatchInput, DispatchResult } from './types';

/** Tokens an expert may take: ceil(cf · T · k / E). */
export function expertCapacity(tokens: number, k: number, experts: number, capacityFactor: number): number {
  if (!(capacityFactor > 0)) throw new Error(`capacityFactor must be > 0, got ${capacityFactor}`);
  return Math.ceil((capacityFactor * tokens * k) / experts);
}

/**
 * Capacity dispatch (Switch/GShard): each expert computes at most C = ceil(cf · T · k / E)
 * pairs; the rest are dropped and counted. Expert choice is balanced already and never drops.
 */
export function capacityDispatch(input: DispatchInput): DispatchResult {
  const { x, assignment, experts } = input;
  if (assignment.kind === 'expert') return sortedDispatch(input);
  const k = assignment.indices.shape[1];
  const cap = expertCapacity(x.shape[0], k, experts.numExperts, input.capacityFactor ?? 1.25);
  return sortedDispatch(input, cap);
}
