import type { Suite } from '../../types';
import { momeArms } from './arms';
import { momeClaims } from './claims';
import { momeNotes } from './notes';
import { momePlan } from './plan';
import { runMome } from './run';
import { tinyNote } from '../tiny';

/**
 * The `mome` suite: Matryoshka multimodal experts (MoME) on audio-visual digits at several token
 * compression rates, against one dense adapter per rate and one for all rates on the same frozen
 * backbone, and the overlap of experts chosen across rates.
 */
export const momeSuite: Suite = {
  name: 'mome',
  description:
    'MoME (Matryoshka audio-visual experts) adapters on a frozen backbone for noisy audio-visual digits at audio/video compression rates, vs one adapter per rate and one for all rates; expert overlap across rates',
  async run(ctx) {
    const plan = momePlan(ctx.quick, ctx.tiny);
    const rows = await runMome(ctx, plan, momeArms(plan));
    return {
      rows,
      claims: momeClaims(rows),
      notes: [
        ...(ctx.tiny
          ? [
              tinyNote(
                `${plan.maxTrain} / ${plan.maxTest} train / test utterances (x SNRs), ${plan.preEpochs} backbone and ${plan.epochs} adapter epoch`,
              ),
            ]
          : []),
        ...momeNotes(plan),
      ],
      mainMetrics: ['accuracy', 'acc_a8v2', 'acc_a8v1', 'jaccardAudio', 'jaccardVideo'],
    };
  },
};
