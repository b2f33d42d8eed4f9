import type { AvModelConfigInput } from '@moe-zoo/multimodal';
import type { MomePlan } from './plan';

/** One adapter configuration trained on the frozen backbone. */
export interface MomeArm {
  variant: string;
  adapter: AvModelConfigInput['adapter'];
  /** One model per rate pair (trained on that pair only) instead of one for all pairs. */
  perRate?: boolean;
}

/** Variant names the claims look up. */
export const MOME_SHARED = 'mome-e8k2-shared-router';
export const ADAPTER_ALL_RATES = 'adapter-all-rates';
export const ADAPTER_PER_RATE = 'adapter-per-rate';
export const MOME_PER_RATE_ROUTERS = 'mome-e8k2-per-rate-routers';
/** The pre-trained backbone evaluated without adapters (a reference row, not an arm). */
export const FROZEN_BACKBONE = 'frozen-backbone';

const MOME_ADAPTER = { kind: 'mome', numExperts: 8, topK: 2, hidden: 8, sharedHidden: 8 } as const;

/** Dense bottleneck 24 = (2 routed + 1 shared) x 8, MoME's active adapter width. */
const DENSE_ADAPTER = { kind: 'dense', hidden: 24 } as const;

/** MoME with a shared router, one dense adapter for all rates, one per rate, and (full) the per-rate-routers ablation. */
export function momeArms(plan: MomePlan): MomeArm[] {
  const arms: MomeArm[] = [
    { variant: MOME_SHARED, adapter: MOME_ADAPTER },
    { variant: ADAPTER_ALL_RATES, adapter: DENSE_ADAPTER },
    { variant: ADAPTER_PER_RATE, adapter: DENSE_ADAPTER, perRate: true },
  ];
  if (plan.perRateRoutersAblation)
    arms.push({ variant: MOME_PER_RATE_ROUTERS, adapter: { ...MOME_ADAPTER, routers: 'per-rate' } });
  return arms;
}
