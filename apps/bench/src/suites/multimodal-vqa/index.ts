import type { Suite } from '../../types';
import { MOTE_ROW_KEYS } from './arms';
import { multimodalVqaClaims } from './claims';
import { moiieRoutingNote, moteMemoryNote, vqaNotes } from './notes';
import { vqaPlan } from './plan';
import { runVqa } from './run';
import { tinyNote } from '../tiny';

/**
 * The `multimodal-vqa` suite: MoIIE against dense / vanilla-MoE / modality-MoE arms at two
 * training-set sizes (two-stage recipe after a text-only LM stage), and MoTE (frozen shared FFN +
 * top-1 ternary experts) against full-precision MoEs at equal expert memory and equal expert count,
 * with the ternary-vs-binary and FFN-vs-random-init ablations, on digit VQA.
 */
export const multimodalVqaSuite: Suite = {
  name: 'multimodal-vqa',
  description:
    'MoIIE (intra/inter-modality experts) against dense, vanilla and modality MoEs at two training-set sizes, and MoTE (ternary upcycled experts) against full-precision MoEs at equal memory and equal expert count, on digit VQA (image tokens + question)',
  async run(ctx) {
    const plan = vqaPlan(ctx.quick, ctx.tiny);
    const run = await runVqa(ctx, plan);
    return {
      rows: [...run.moiie, ...MOTE_ROW_KEYS.map((k) => run.mote[k])],
      claims: multimodalVqaClaims(run),
      notes: [
        ...(ctx.tiny
          ? [
              tinyNote(
                `${plan.images?.trainPerClass} / ${plan.images?.testPerClass} MNIST images per class, sizes ${plan.sizes.join(' / ')}, ${plan.testSamples} test questions, 1 epoch per stage`,
              ),
            ]
          : []),
        ...run.seedNotes,
        moiieRoutingNote(run.moiie, plan.sizes),
        moteMemoryNote(run.layout),
        ...vqaNotes(plan),
      ],
      mainMetrics: ['accuracy', 'acc_parity', 'acc_compare', 'acc_ink', 'visShared', 'expertBytes'],
    };
  },
};
