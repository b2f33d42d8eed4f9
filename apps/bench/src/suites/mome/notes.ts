import { LATENCY_BATCH, type MomePlan } from './plan';

/** The mome suite's notes: data, backbone, adapters, pairing, how the overlap is measured. */
export function momeNotes(plan: MomePlan): string[] {
  return [
    'Task (av-digits): each spoken digit (speaker-disjoint split per seed, noise clean/20/10/0 dB, 24 log-mel tokens x 64) is paired with an MNIST image of the same digit (train/test images from disjoint index ranges) with Gaussian pixel noise sigma 0/0.4/0.8, as 16 tokens of 7x7 patches. Chance is 0.1.',
    `Backbone (the frozen "LLM"): per-modality projectors + positions, 2 pre-norm blocks, D=32, GELU FFN 64, mean-pooled head; pre-trained ${plan.preEpochs} epochs on the uncompressed pair a1v1, then frozen. Compression averages adjacent tokens (audio rate 2/4/8 -> 12/6/3 tokens, video rate 1/2 -> 16/8).`,
    `Adapters sit in parallel to each FFN and train ${plan.epochs} epochs with the loss averaged over all 6 rate pairs per batch (per-rate models: their own pair only). MoME: 8 bottleneck experts (r=8), top-2, + 1 shared expert (r=8), one softmax router for all rates, Switch balance loss 0.01; dense adapters: bottleneck 24 = (2 routed + 1 shared) x 8.`,
    plan.perRateRoutersAblation
      ? 'Full mode trains the one-adapter-per-rate baseline at all 6 pairs and adds MoME with one router per rate (ablation of the shared router).'
      : 'Quick mode trains the one-adapter-per-rate baseline only for the high-compression pairs a8v1 and a8v2 (the pairs the claim is about) and skips the per-rate-routers ablation.',
    'Pairing: for a seed, every arm adapts the same pre-trained backbone from the same adapter initialisation on the same split and is tested on the same test samples in the same order: accuracies are compared by a paired t over seeds and McNemar over test samples (items: 1/0 correctness per sample and rate pair).',
    'Jaccard: per adapter layer, the top-2 expert set of each coarse token vs that of each fine token it pools (a2<->a4, a4<->a8, a2<->a8 for audio at video rate 1; v1<->v2 for video at audio rate 2), averaged; *OtherSample pairs the same positions with another test sample. Items are these averages per test sample (paired item differences).',
    `flopsPerSample is the mean over the 6 rate pairs; latency is one forward of ${LATENCY_BATCH} samples at a4v1; paramsTotal of adapter-per-rate counts the backbone once plus every per-rate adapter trained.`,
  ];
}
