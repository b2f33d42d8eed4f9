import { LATENCY_BATCH, SHUFFLES, type AudioPlan } from './plan';

/** The audio suite's notes: data, model, pairing, latency, specialisation statistics, usage per seed. */
export function audioNotes(plan: AudioPlan, usageNotes: readonly string[]): string[] {
  return [
    `Spoken digits synthesized locally with mespeak (GPL, in the private tool @moe-zoo/spoken-digits-tool): 6 accents x 3 pitch bands = 18 voices, 3 utterances per voice and digit; 12 train / 6 test voices (disjoint), each utterance at clean/20/10/0 dB background noise. 0.8 s log-mel (32 mels, 16 ms hop, 2 frames per token -> 24 tokens x 64), D=48, depth 2, ${plan.epochs} epochs, batch ${plan.batchSize}.`,
    'Both arms of a seed see the same split, start from setSeed(seed) and are scored on the same test clips in the same order: accuracy is paired over seeds (t) and over clips (McNemar on the per-clip outcomes, items.accuracy).',
    `Latency: median ms of one forward pass of ${LATENCY_BATCH} test clips (eval mode), after one warm-up pass, 5 timed (perf/timing.ts)`,
    'Dense twin: GELU FFN of width 96 = top-2 x 48, so active parameters are equal up to the router (8 x 48 per layer).',
    `tvDigit / tvSnr: mean pairwise total-variation distance between per-group expert-usage distributions on the test set; *Shuffled / *ShuffledMax: the mean / largest of the same statistic over ${SHUFFLES} label shuffles; *P: the permutation p-value (1 + shuffles at or above the observed) / (1 + ${SHUFFLES}).`,
    ...usageNotes,
  ];
}
