import { comparePart, exactPart, findRow, makeClaim } from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim } from '../../types';
import { BASELINE, matchingMlpHidden, MPO_EXPERTS, MPO_LAYOUT } from './arms';
import { bamClaim, jetMoeClaim, mohClaim } from './attention-claims';
import { LORA_TASKS } from './lora-data';

const SUPERIOR = { kind: 'superiority' } as const;
/** "Equal or better quality": accuracy no more than one point below (declared before the run). */
const ACCURACY_PARITY = { kind: 'parity', margin: 0.01 } as const;
/** MPOE's "comparable quality": accuracy no more than two points below full experts (declared before the run). */
export const MPO_ACCURACY_PARITY = { kind: 'parity', margin: 0.02 } as const;
/** MPOE's "far fewer parameters": the whole model at most 0.6x the full-expert model's. */
export const MPO_MAX_PARAM_RATIO = 0.6;
/** "Not more drops": the test drop rate no more than one point above. */
const DROP_PARITY = { kind: 'parity', margin: 0.01 } as const;

const show = (r: BenchRow, metric: string): string => `${r.variant} ${fmt(r.metrics, r.spread, metric)}`;
const count = (r: BenchRow, metric: string): string => `${r.variant} ${Math.round(r.metrics[metric])}`;
const tasks = (r: BenchRow): string =>
  LORA_TASKS.map((t) => `${t} ${fmt(r.metrics, r.spread, `acc:${t}`)}`).join(', ');

/**
 * The designs suite's claims, in the papers' direction (paired over seeds and test images):
 * Skywork-MoE's gating logit normalisation against the softmax top-2 baseline, its adaptive aux
 * coefficient against a fixed one, EvoMoE's dense-to-sparse start against a sparse gate from the
 * start (the same baseline), RMoE's recurrent router against independent routers with at least
 * its router parameters, MoH against multi-head attention, JetMoE's attention and FFN experts
 * against a dense block of equal active parameters, BAM against FFN-only upcycling, MixLoRA against
 * one LoRA of at least its trainable parameters, and DynMoLE against MixLoRA.
 */
export function designsClaims(rows: readonly BenchRow[]): Claim[] {
  const base = findRow(rows, BASELINE.variant);
  const norm = findRow(rows, 'skywork-norm');
  const adaptive = findRow(rows, 'skywork-norm-adaptive');
  const evo = findRow(rows, 'evomoe-dts');
  return [
    ...routingClaims(base, norm, adaptive, evo),
    rmoeClaim(rows),
    mpoClaim(base, findRow(rows, MPO_EXPERTS.variant)),
    mohClaim(rows),
    jetMoeClaim(rows),
    bamClaim(rows),
    ...loraClaims(rows),
  ];
}

/** MPOE: experts sharing the central tensor of their MPOs against the same full experts. */
function mpoClaim(base: BenchRow, mpo: BenchRow): Claim {
  return makeClaim({
    id: 'mpo-experts',
    paper: 'MPOE (Gao et al. 2022, arXiv 2203.01104)',
    statement: `experts as matrix-product operators sharing their central tensor (${MPO_LAYOUT.cores} cores, bond dimension ${MPO_LAYOUT.bondDim}) reach the accuracy of full FFN experts (margin ${MPO_ACCURACY_PARITY.margin}) with at most ${MPO_MAX_PARAM_RATIO}x the parameters`,
    parts: [
      comparePart({ a: mpo, b: base, metric: 'accuracy', rule: MPO_ACCURACY_PARITY }),
      exactPart('parameters: MPO experts model / full experts model', mpo.paramsTotal / base.paramsTotal, {
        kind: 'at-most',
        bar: MPO_MAX_PARAM_RATIO,
      }),
    ],
    evidence: `accuracy ${show(mpo, 'accuracy')} vs ${show(base, 'accuracy')}; test loss ${show(mpo, 'testLoss')} vs ${show(base, 'testLoss')}; parameters ${mpo.paramsTotal} vs ${base.paramsTotal} (active ${mpo.paramsActive} vs ${base.paramsActive})`,
  });
}

function routingClaims(base: BenchRow, norm: BenchRow, adaptive: BenchRow, evo: BenchRow): Claim[] {
  return [
    makeClaim({
      id: 'skywork-gating-normalisation',
      paper: 'Skywork-MoE (Wei et al. 2024)',
      statement:
        'normalising the gating logits (per-token standardisation, λ = 2) gives sharper routing (lower router entropy) and more diverse experts (lower expert similarity) than softmax top-2, at equal or better accuracy (margin 0.01)',
      parts: [
        comparePart({ a: norm, b: base, metric: 'entropy', better: 'lower', rule: SUPERIOR }),
        comparePart({ a: norm, b: base, metric: 'expertSim', better: 'lower', rule: SUPERIOR }),
        comparePart({ a: norm, b: base, metric: 'accuracy', rule: ACCURACY_PARITY }),
      ],
      evidence:
        `entropy ${show(norm, 'entropy')} vs ${show(base, 'entropy')}; ` +
        `expert similarity ${show(norm, 'expertSim')} vs ${show(base, 'expertSim')}; ` +
        `accuracy ${show(norm, 'accuracy')} vs ${show(base, 'accuracy')}; ` +
        `test drop rate ${show(norm, 'dropRate')} vs ${show(base, 'dropRate')}`,
    }),
    makeClaim({
      id: 'skywork-adaptive-aux',
      paper: 'Skywork-MoE (Wei et al. 2024)',
      statement:
        'per-layer aux coefficients adapted to the drop rate keep accuracy (margin 0.01) and do not drop more tokens (margin 0.01) than a fixed coefficient, with normalised gating',
      parts: [
        comparePart({ a: adaptive, b: norm, metric: 'accuracy', rule: ACCURACY_PARITY }),
        comparePart({ a: adaptive, b: norm, metric: 'dropRate', better: 'lower', rule: DROP_PARITY }),
      ],
      evidence:
        `accuracy ${show(adaptive, 'accuracy')} vs ${show(norm, 'accuracy')}; ` +
        `test drop rate ${show(adaptive, 'dropRate')} vs ${show(norm, 'dropRate')}; ` +
        `training drop rate (last quarter) ${show(adaptive, 'trainDropRate')} vs ${show(norm, 'trainDropRate')}`,
    }),
    makeClaim({
      id: 'evomoe-dense-to-sparse',
      paper: 'EvoMoE (Nie et al. 2021)',
      statement:
        'one shared expert diversified into experts, then the dense-to-sparse gate, converges faster than a sparse top-2 gate from the start at equal steps: lower mean training loss over the first half of the steps and lower test loss at the end',
      parts: [
        comparePart({ a: evo, b: base, metric: 'earlyLoss', better: 'lower', rule: SUPERIOR }),
        comparePart({ a: evo, b: base, metric: 'testLoss', better: 'lower', rule: SUPERIOR }),
      ],
      evidence:
        `early training loss ${show(evo, 'earlyLoss')} vs ${show(base, 'earlyLoss')}; ` +
        `test loss ${show(evo, 'testLoss')} vs ${show(base, 'testLoss')}; ` +
        `accuracy ${show(evo, 'accuracy')} vs ${show(base, 'accuracy')}`,
    }),
  ];
}

/** RMoE: quality against independent MLP routers of at least its router parameters; routing MI reported. */
export function rmoeClaim(rows: readonly BenchRow[]): Claim {
  const rmoe = findRow(rows, 'rmoe-gru');
  const indep = findRow(rows, 'independent-mlp');
  return makeClaim({
    id: 'rmoe-recurrent-router',
    paper: 'RMoE (Qiu et al. 2024)',
    statement: `a GRU carried across the layers, whose state feeds each layer's router, gives better quality than independent routers with at least as many router parameters (two-layer MLP routers of hidden width ${matchingMlpHidden()}): higher test accuracy and lower test loss at equal steps`,
    parts: [
      comparePart({ a: rmoe, b: indep, metric: 'accuracy', rule: SUPERIOR }),
      comparePart({ a: rmoe, b: indep, metric: 'testLoss', better: 'lower', rule: SUPERIOR }),
    ],
    evidence:
      `accuracy ${show(rmoe, 'accuracy')} vs ${show(indep, 'accuracy')}; ` +
      `test loss ${show(rmoe, 'testLoss')} vs ${show(indep, 'testLoss')}; ` +
      `cross-layer routing mutual information (bits, top-1 expert of layer l vs l+1) ${show(rmoe, 'routingMI')} vs ${show(indep, 'routingMI')}; ` +
      `router parameters ${count(rmoe, 'routerParams')} vs ${count(indep, 'routerParams')}; ` +
      `model parameters ${rmoe.paramsTotal} vs ${indep.paramsTotal}`,
  });
}

/** MixLoRA against one LoRA of at least its trainable parameters; DynMoLE against MixLoRA. */
export function loraClaims(rows: readonly BenchRow[]): Claim[] {
  const single = findRow(rows, 'lora-single');
  const mix = findRow(rows, 'mixlora');
  const dyn = findRow(rows, 'dynmole');
  const evidence = (a: BenchRow, b: BenchRow): string =>
    `accuracy ${show(a, 'accuracy')} vs ${show(b, 'accuracy')}; test loss ${show(a, 'testLoss')} vs ${show(b, 'testLoss')}; ` +
    `per task: ${a.variant} ${tasks(a)}; ${b.variant} ${tasks(b)}; ` +
    `trainable parameters ${count(a, 'trainableParams')} vs ${count(b, 'trainableParams')}; ` +
    `frozen model: Fashion-MNIST accuracy ${fmt(a.metrics, a.spread, 'baseAccuracy')}, on the tasks before fine-tuning ${fmt(a.metrics, a.spread, 'zeroShotAccuracy')}`;
  return [
    makeClaim({
      id: 'mixlora-vs-lora',
      paper: 'MixLoRA (Li et al. 2024)',
      statement:
        'on a multi-task fine-tuning of a frozen trained model, LoRA experts over its frozen FFNs with a top-2 router and aux loss (MixLoRA: 4 experts of rank 4) reach a higher test accuracy than one LoRA with at least as many trainable parameters',
      parts: [comparePart({ a: mix, b: single, metric: 'accuracy', rule: SUPERIOR })],
      evidence: evidence(mix, single),
    }),
    makeClaim({
      id: 'dynmole-vs-mixlora',
      paper: 'DynMoLE (Li et al. 2025)',
      statement:
        "DynMoLE's hybrid routing (soft over every expert for tokens whose Tsallis entropy exceeds the threshold, top-p with at least 2 experts otherwise) with its Tsallis-entropy loss reaches a higher test accuracy than MixLoRA's top-2 routing on the same LoRA experts",
      parts: [comparePart({ a: dyn, b: mix, metric: 'accuracy', rule: SUPERIOR })],
      evidence: evidence(dyn, mix),
    }),
  ];
}
