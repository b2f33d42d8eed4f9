import type { BuildFloatMoeOptions, BuildMoteOptions, MoiieArm } from '@moe-zoo/multimodal';

/** Leaderboard model name of each MoIIE-grid arm (all up-cycled from the same stage-1 base). */
export const MOIIE_MODEL: Record<MoiieArm, string> = {
  dense: 'vqa-dense',
  vanilla: 'vqa-vanilla-moe',
  modality: 'vqa-modality-moe',
  moiie: 'moiie',
};

/** The arms MoIIE is compared with. */
export const MOIIE_BASELINES = ['dense', 'vanilla', 'modality'] as const satisfies readonly MoiieArm[];

/** Row variant of a MoIIE-grid arm tuned on `size` samples, e.g. `moiie n=4000`. */
export function moiieVariant(arm: MoiieArm, size: number): string {
  return `${arm} n=${size}`;
}

/**
 * The MoTE part's rows in leaderboard order: `source`, the dense model the arms are up-cycled from,
 * then MoTE, its two ablations, the two full-precision MoE baselines and `dense-cont`, the source
 * whose FFN trains on the same questions with no experts added (the control of the float-MoE gain).
 */
export const MOTE_ROW_KEYS = [
  'source',
  'mote',
  'binary',
  'random',
  'fp-count',
  'fp-memory',
  'dense-cont',
] as const;

/** A row of the MoTE part. */
export type MoteRowKey = (typeof MOTE_ROW_KEYS)[number];

/** A trained arm of the MoTE part. */
export type MoteArmKey = Exclude<MoteRowKey, 'source'>;

/** Row head of the MoTE source (the dense MoIIE-grid arm at the smallest training set, re-measured). */
export const MOTE_SOURCE = { model: 'vqa-dense', variant: 'base (mote source)' };

/**
 * One MoTE-part arm: its row head and how it is made from the dense source: MoTE (`buildMote`
 * options), a full-precision MoE (`buildFloatMoe` options) or the source continued (`continueDense`).
 */
export type MoteArm = { key: MoteArmKey; model: string; variant: string } & (
  { mote: BuildMoteOptions } | { float: BuildFloatMoeOptions } | { continued: true }
);

/**
 * The MoTE-part arms in run order: MoTE (ternary, FFN init), binary and random-init ablations, the
 * full-precision MoE at equal expert count (4 x the source's FFN width) and at equal expert memory
 * (4 x `moteHidden`, the widest that fits MoTE's expert bytes), and the dense source continued.
 */
export function moteArms(denseHidden: number, moteHidden: number): MoteArm[] {
  return [
    { key: 'mote', model: 'mote', variant: 'ternary-4e-top1-ffn-init', mote: {} },
    { key: 'binary', model: 'mote', variant: 'binary-4e-top1-ffn-init', mote: { format: 'binary' } },
    { key: 'random', model: 'mote', variant: 'ternary-4e-top1-random-init', mote: { init: 'random' } },
    { key: 'fp-count', model: 'fp-moe', variant: `4x${denseHidden}-top2 (equal expert count)`, float: {} },
    {
      key: 'fp-memory',
      model: 'fp-moe',
      variant: `4x${moteHidden}-top2 (equal expert memory)`,
      float: { hidden: moteHidden },
    },
    {
      key: 'dense-cont',
      model: 'vqa-dense',
      variant: `${denseHidden} continued (no experts)`,
      continued: true,
    },
  ];
}
