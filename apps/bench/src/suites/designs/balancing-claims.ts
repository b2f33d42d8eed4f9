/**
 * The balancing comparison's claims: BASE layers, hash layers and noisy top-k, each against the
 * softmax top-2 baseline with the aux loss trained on the same weights and batches.
 */
import { comparePart, exactPart, findRow, makeClaim, notRunPart } from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim } from '../../types';
import { BASELINE } from './arms';
import { BALANCING_TASK, BASE_LAYERS, HASH_POSITION, NOISY_CV2, NOISY_TOP2 } from './balancing-arms';
import type { LeftOutArm } from './run';

/** "Quality on par": accuracy no more than two points below the baseline's (declared before the run). */
export const BALANCING_ACCURACY_PARITY = { kind: 'parity', margin: 0.02 } as const;
/** "Balance on par": training MaxVio no more than 0.1 above the baseline's (declared before the run). */
export const BALANCING_MAXVIO_PARITY = { kind: 'parity', margin: 0.1 } as const;

const show = (r: BenchRow, metric: string): string => `${r.variant} ${fmt(r.metrics, r.spread, metric)}`;

/** What every balancing claim reports of an arm against the baseline. */
function evidence(arm: BenchRow, base: BenchRow): string {
  const pair = (metric: string): string => `${show(arm, metric)} vs ${show(base, metric)}`;
  return (
    `accuracy ${pair('accuracy')}; test loss ${pair('testLoss')}; ` +
    `training MaxVio (last quarter) ${pair('trainMaxVio')}; training drop rate (last quarter) ${pair('trainDropRate')}; ` +
    `test drop rate ${pair('dropRate')}; router entropy ${pair('entropy')}; ` +
    `router parameters ${arm.metrics.routerParams} vs ${base.metrics.routerParams}; FLOPs per sample ${arm.flopsPerSample} vs ${base.flopsPerSample}`
  );
}

/** BASE layers: quality on par with top-2 + aux, better training balance, no loss weight. */
function baseLayersClaim(base: BenchRow, top2: BenchRow): Claim {
  const { margin } = BALANCING_ACCURACY_PARITY;
  return makeClaim({
    id: 'base-layers-balanced-assignment',
    paper: 'BASE layers (Lewis et al. 2021, arXiv 2103.16716)',
    statement: `assigning a batch's tokens to experts as a balanced assignment in training (every expert the same number of tokens; greedy top-1 at test), with no balancing loss or weight, reaches the accuracy of softmax top-2 with the aux loss (0.01) within ${margin} and balances the experts better in training (lower MaxVio over the last quarter of the steps), with one expert per token against two`,
    parts: [
      comparePart({ a: base, b: top2, metric: 'accuracy', rule: BALANCING_ACCURACY_PARITY }),
      comparePart({
        a: base,
        b: top2,
        metric: 'trainMaxVio',
        better: 'lower',
        rule: { kind: 'superiority' },
      }),
    ],
    evidence: evidence(base, top2),
  });
}

/** Hash layers: competitive with learned routing (top-2 + aux, BASE), no routing parameters. */
function hashLayersClaim(hash: BenchRow, top2: BenchRow, base: BenchRow): Claim {
  const { margin } = BALANCING_ACCURACY_PARITY;
  return makeClaim({
    id: 'hash-layers-competitive',
    paper: 'Hash layers (Roller et al. 2021, arXiv 2106.04426)',
    statement: `routing each token to one expert by a fixed hash of its id, with no routing parameters and no balancing loss, is competitive with learned routing: accuracy within ${margin} of softmax top-2 with the aux loss (0.01) and of BASE layers. The patch transformer has no vocabulary, so a token's id is its patch position, hashed 2 positions to each expert`,
    parts: [
      comparePart({ a: hash, b: top2, metric: 'accuracy', rule: BALANCING_ACCURACY_PARITY }),
      comparePart({ a: hash, b: base, metric: 'accuracy', rule: BALANCING_ACCURACY_PARITY }),
      exactPart(`router parameters (${hash.variant})`, hash.metrics.routerParams, {
        kind: 'at-most',
        bar: 0,
      }),
    ],
    evidence: `${evidence(hash, top2)}; against BASE layers: accuracy ${show(hash, 'accuracy')} vs ${show(base, 'accuracy')}`,
  });
}

/** Noisy top-k: its own losses balance as well as the Switch aux loss at the same quality. */
function noisyTopKClaim(noisy: BenchRow, top2: BenchRow): Claim {
  return makeClaim({
    id: 'noisy-topk-balance',
    paper: 'Sparsely-gated MoE (Shazeer et al. 2017, arXiv 1701.06538)',
    statement: `noisy top-2 gating (Gaussian noise of learned scale on the gate logits in training) with the paper's importance and load losses (CV², weight ${NOISY_CV2} each) and no other balancing loss keeps the experts balanced at no cost in quality (the paper's finding for these losses); against softmax top-2 with the Switch aux loss (0.01): accuracy within ${BALANCING_ACCURACY_PARITY.margin} and training MaxVio (last quarter of the steps) within ${BALANCING_MAXVIO_PARITY.margin} of it`,
    parts: [
      comparePart({ a: noisy, b: top2, metric: 'accuracy', rule: BALANCING_ACCURACY_PARITY }),
      comparePart({
        a: noisy,
        b: top2,
        metric: 'trainMaxVio',
        better: 'lower',
        rule: BALANCING_MAXVIO_PARITY,
      }),
    ],
    evidence: evidence(noisy, top2),
  });
}

/** BASE layers' claim when its arm was left out: every part not run, the reason in the evidence. */
function baseLayersNotRun(why: string): Claim {
  const { margin } = BALANCING_ACCURACY_PARITY;
  const v = BASE_LAYERS.variant;
  return makeClaim({
    id: 'base-layers-balanced-assignment',
    paper: 'BASE layers (Lewis et al. 2021, arXiv 2103.16716)',
    statement: `assigning a batch's tokens to experts as a balanced assignment in training, with no balancing loss or weight, reaches the accuracy of softmax top-2 with the aux loss (0.01) within ${margin} and balances the experts better in training; not run: ${v} was left out`,
    parts: [
      notRunPart(`accuracy: ${v} - ${BASELINE.variant}`, BALANCING_ACCURACY_PARITY, why),
      notRunPart(`trainMaxVio: ${BASELINE.variant} - ${v} (lower is better)`, { kind: 'superiority' }, why),
    ],
    evidence: `not run: ${v} was left out, ${why}`,
  });
}

/** The hash claim without BASE layers: its comparison with BASE not run. */
function hashLayersClaimWithoutBase(hash: BenchRow, top2: BenchRow, why: string): Claim {
  const claim = hashLayersClaim(hash, top2, top2);
  const parts = claim.parts.map((p, i) =>
    i === 1 ? notRunPart(`accuracy: ${hash.variant} - ${BASE_LAYERS.variant}`, p.rule, why) : p,
  );
  return makeClaim({
    ...claim,
    parts,
    evidence: `${evidence(hash, top2)}; against BASE layers: not run (${BASE_LAYERS.variant} was left out, ${why})`,
  });
}

/**
 * The balancing comparison's claims, in the papers' direction (paired over seeds and test images).
 * An arm in `leftOut` (BASE layers on a backend without synchronous reads) has no row: the parts
 * that need it are reported as not run, with its reason.
 */
export function balancingClaims(rows: readonly BenchRow[], leftOut: readonly LeftOutArm[] = []): Claim[] {
  const top2 = findRow(rows, BASELINE.variant, 'routing');
  const arm = (a: { variant: string }): BenchRow => findRow(rows, a.variant, BALANCING_TASK);
  const hash = arm(HASH_POSITION);
  const baseLeftOut = leftOut.find((l) => l.variant === BASE_LAYERS.variant);
  if (baseLeftOut)
    return [
      baseLayersNotRun(baseLeftOut.why),
      hashLayersClaimWithoutBase(hash, top2, baseLeftOut.why),
      noisyTopKClaim(arm(NOISY_TOP2), top2),
    ];
  const base = arm(BASE_LAYERS);
  return [
    baseLayersClaim(base, top2),
    hashLayersClaim(hash, top2, base),
    noisyTopKClaim(arm(NOISY_TOP2), top2),
  ];
}
