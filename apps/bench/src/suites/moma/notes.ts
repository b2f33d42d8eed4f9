import { AUX_LR, BATCH_SIZE, CODEBOOK_SIZE, type MomaPlan } from './plan';

/** The moma suite's notes: data, model, routing, pairing, how FLOPs savings are read. */
export function momaNotes(plan: MomaPlan): string[] {
  return [
    `Task (interleaved-lm): MNIST digits as 16 image tokens (k-means codebook of ${CODEBOOK_SIZE} codes over 7x7 patches, fitted per seed), in sequences of two (word, image) pairs, caption first ("<bos> seven <img> c1..c16 and two <img> ... <eos>") or image first ("<bos> <img> c1..c16 is seven , <img> ... is two <eos>"), 41 tokens; ${plan.trainSequences} training sequences (train image range), ${plan.valSequences} validation sequences from held-out images. Next-token loss split by the modality of the target token.`,
    `Causal LM: D=32, 4 heads, 2 pre-norm blocks, SwiGLU hidden 64 for the dense FFN and for every expert; ${plan.epochs} epochs, batch ${BATCH_SIZE}, AdamW 3e-3 warmup+cosine. Expert choice (sigmoid scores, capacity = tokens of the group in the batch / experts of the group) runs one expert per token on average, so all arms have the same FFN FLOPs (the dense FFN also runs on the few padding positions).`,
    `Auxiliary routers (sigmoid(SiLU(x W1) W2), W1 D x D/2) per layer and group, trained afterwards ${plan.auxEpochs} epochs (lr ${AUX_LR}) on ${plan.auxTrainSequences} training sequences with BCE against the EC decisions, main model frozen; *Causal metrics route with them (expert j if p_j > 0.5, weight from the main router), on the same validation batches. auxRouterAccuracy is over (token, expert) decisions.`,
    'Pairing: for a seed, every arm starts from the same seed, trains on the same sequences and is evaluated on the same validation sequences in the same order. Loss metrics are token-weighted means; their items are the per-sequence mean losses (paired item differences, beside a paired t over seeds).',
    "FLOPs savings: from the smoothed per-step training curves (window max(5, steps/10)) at equal FLOPs per step: steps the dense model needs for its final loss / steps the MoE arm needs to reach it (< 1: the dense model reaches the arm's final loss earlier). Rows' series hold the first seed's training curves.",
    ...(plan.denseWidths.length
      ? [
          `flopsSavingsWidths*: dense models of SwiGLU width 64 (FLOP-matched) and ${plan.denseWidths.join(', ')} trained like the others; per seed, the FLOPs per sample a dense model needs for the MoE arm's validation loss (interpolated linearly in log FLOPs between the two widths around it) over the arm's FLOPs per sample. A loss outside the sweep's range gives the range's end, a bound: *Bound is 1 (at least), -1 (at most) or 0 per seed, and the evidence writes >= or <=.`,
        ]
      : []),
  ];
}
