/** The vision suite's arms: the MoVA miniature with its baselines and ablations, and the two ViTs. */
import type { FfnSlotConfigInput } from '@moe-zoo/core';
import { CONTENT_TYPES, type ContentType } from '@moe-zoo/vision';

/** The MoVA-side arms, in report order (their index also seeds each arm's answer model). */
export const ARMS = [
  'base-only',
  ...CONTENT_TYPES.map((t) => `specialist-${t}` as const),
  'plain-concat',
  'adapter-no-routing',
  'random-routing',
  'uniform-gating',
  'mova',
] as const;
export type Arm = (typeof ARMS)[number];

/** The fusion arms (a transformer over concatenated encoder tokens) and the MoVA arms (MoV-Adapter). */
export type ArmFamily = 'vision-fusion' | 'mova';

/** Whether an arm answers through concatenated encoder tokens or through the MoV-Adapter. */
export function armFamily(arm: Arm): ArmFamily {
  return arm === 'base-only' || arm === 'plain-concat' || arm.startsWith('specialist-')
    ? 'vision-fusion'
    : 'mova';
}

/**
 * The encoders a fusion arm concatenates: -1 is the base, j >= 0 the expert of content type j.
 */
export function fusionSources(arm: Arm): number[] {
  if (arm === 'base-only') return [-1];
  if (arm === 'plain-concat') return [-1, ...CONTENT_TYPES.map((_, j) => j)];
  return [CONTENT_TYPES.indexOf(arm.slice('specialist-'.length) as ContentType)];
}

/** One ViT configuration: its FFN slot and the offset of its initialisation seed. */
export interface VitArm {
  model: string;
  variant: string;
  seedOffset: number;
  ffn: FfnSlotConfigInput;
}

/**
 * The ViT arms: V-MoE (8 experts x 48, top-2, Switch aux 0.01, in alternate blocks) and the dense
 * ViT at equal active parameters (FFN width top-2 x 48). Dense runs first within a seed.
 */
export const VIT_ARMS: readonly VitArm[] = [
  { model: 'vit', variant: 'dense-96', seedOffset: 92, ffn: { kind: 'dense', hidden: 96 } },
  {
    model: 'vmoe',
    variant: 'vmoe-8x48-top2',
    seedOffset: 91,
    ffn: { kind: 'moe', moe: { hidden: 48, numExperts: 8, topK: 2, losses: { aux: 0.01 } } },
  },
];
