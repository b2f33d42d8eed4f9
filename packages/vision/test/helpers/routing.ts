/** Shared pieces of the MoVA tests. */
import { CONTENT_TYPES, EXPERT_DESCRIPTIONS, type VqaSet } from '../../src';

/** One description list per expert, in content-type order. */
export const DESCRIPTIONS = CONTENT_TYPES.map((t) => EXPERT_DESCRIPTIONS[t]);

/** Routing that sends every sample to the expert of its own content type ([n × 4], 1 = routed). */
export function ownTypeRouting(set: VqaSet): Uint8Array {
  const r = new Uint8Array(set.n * 4);
  for (let i = 0; i < set.n; i++) r[i * 4 + set.type[i]] = 1;
  return r;
}
