import type { Suite } from '../../types';
import { ARMS } from './arms';
import { audioClaims } from './claims';
import { audioNotes } from './notes';
import { audioPlan } from './plan';
import { runArms } from './run';
import { tinyNote } from '../tiny';

/**
 * The `audio` suite: spoken digits (mespeak voices, disjoint train/test voices, noise at clean / 20 /
 * 10 / 0 dB), an MoE audio transformer against its dense twin at equal active parameters, and
 * expert usage per SNR and per digit.
 */
export const audioSuite: Suite = {
  name: 'audio',
  description:
    'Spoken digits (mespeak, 18 voices, train/test voices disjoint, noise clean/20/10/0 dB): MoE vs dense audio transformer at equal active parameters, accuracy per SNR, expert specialisation per digit and SNR',
  async run(ctx) {
    const plan = audioPlan(ctx.quick, ctx.tiny);
    const { rows, usageNotes } = await runArms(ctx, plan, ARMS);
    return {
      rows,
      claims: audioClaims(rows),
      mainMetrics: ['accuracy', 'acc_clean', 'acc_20dB', 'acc_10dB', 'acc_0dB', 'tvDigit', 'tvSnr'],
      notes: [
        ...(ctx.tiny
          ? [
              tinyNote(
                `${plan.maxTrain} / ${plan.maxTest} train / test utterances (x SNRs), ${plan.epochs} epoch`,
              ),
            ]
          : []),
        ...audioNotes(plan, usageNotes),
      ],
    };
  },
};
