import type { Suite } from '../../types';
import { momaClaims } from './claims';
import { momaNotes } from './notes';
import { momaPlan } from './plan';
import { runMoma } from './run';
import { tinyNote } from '../tiny';

/**
 * The `moma` suite: modality-aware expert groups (MoMa) on interleaved text + image-token language
 * modelling, against a FLOP-matched dense model and 8 mixed experts, with auxiliary routers for
 * causal inference and FLOPs savings per modality.
 */
export const momaSuite: Suite = {
  name: 'moma',
  description:
    'MoMa (modality-aware expert groups, expert choice) on interleaved text/image-token LM vs a FLOP-matched dense model and 8 mixed experts; auxiliary routers for causal inference; FLOPs savings per modality',
  async run(ctx) {
    const plan = momaPlan(ctx.quick, ctx.tiny);
    const rows = await runMoma(ctx, plan);
    return {
      rows,
      claims: momaClaims(rows),
      notes: [
        ...(ctx.tiny
          ? [
              tinyNote(
                `${plan.trainSequences} / ${plan.valSequences} train / validation sequences, ${plan.epochs} epoch`,
              ),
            ]
          : []),
        ...momaNotes(plan),
      ],
      mainMetrics: ['loss', 'lossText', 'lossImage', 'lossCausal', 'flopsSavings'],
    };
  },
};
