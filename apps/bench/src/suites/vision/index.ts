import { CONTENT_TYPES } from '@moe-zoo/vision';
import type { Suite } from '../../types';
import { visionClaims } from './claims';
import { visionNotes } from './notes';
import { visionPlan } from './plan';
import { runVision } from './run';
import { tinyNote } from '../tiny';

/**
 * The `vision` suite: MoVA in miniature (a low-resolution generalist base encoder, four
 * full-resolution specialist encoders, routing labels by the paper's loss rule, a coarse router
 * over shuffled expert descriptions, MoV-Adapter fine stage) on four content types (handwritten
 * digits, clothing, rendered text, bar charts) against its ablations, plus V-MoE against a dense
 * ViT at equal active parameters on Fashion-MNIST.
 */
export const visionSuite: Suite = {
  name: 'vision',
  description:
    'MoVA miniature on digits / clothing / rendered text / bar charts (base, specialists, plain fusion, adapter without routing, random routing, uniform gating, full MoVA; routing precision/recall, measured experts per sample) and V-MoE vs dense ViT on Fashion-MNIST',
  async run(ctx) {
    const plan = visionPlan(ctx.quick, ctx.tiny);
    const { rows, seedNotes } = await runVision(ctx, plan);
    return {
      rows,
      claims: visionClaims(rows, CONTENT_TYPES),
      mainMetrics: [
        'accuracy',
        'expertsPerSample',
        'routingPrecision',
        'routingRecall',
        'routerOnTypeRecall',
        'labelOnType',
        'labelOffType',
        'crossAttnPerSample',
      ],
      notes: [
        ...(ctx.tiny
          ? [
              tinyNote(
                `${plan.pretrainPerType} pretraining images, ${plan.trainPerType} / ${plan.testPerType} train / test questions per type, ViT ${plan.vit.trainPerClass * 10} / ${plan.vit.testPerClass * 10} images, 1 epoch per stage`,
              ),
            ]
          : []),
        ...visionNotes(plan),
        ...seedNotes,
      ],
    };
  },
};
