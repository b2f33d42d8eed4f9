/** The designs suite's claims on routed attention (MoH, JetMoE) and attention upcycling (BAM). */
import { comparePart, exactPart, findRow, makeClaim } from '../../claims';
import { fmt } from '../../stats';
import type { BenchRow, Claim } from '../../types';
import { JETMOE, MOH, UPCYCLING_VARIANTS } from './attention-arms';
import { UPCYCLE } from './plan';

const SUPERIOR = { kind: 'superiority' } as const;
/** MoH's "comparable or better" accuracy: no more than two points below MHA (declared before the run). */
export const MOH_ACCURACY_PARITY = { kind: 'parity', margin: 0.02 } as const;
/** MoH's head budget: at most 90% of the heads per token (the paper's range is 50% to 90%). */
export const MOH_MAX_ACTIVE_HEADS = 0.9;
/** "Equal active parameters": JetMoE's active parameters per token at most 5% above the dense model's. */
export const JETMOE_MAX_ACTIVE_RATIO = 1.05;

const show = (r: BenchRow, metric: string): string => `${r.variant} ${fmt(r.metrics, r.spread, metric)}`;
const params = (r: BenchRow): string => `${r.variant} ${r.paramsActive} active of ${r.paramsTotal}`;

/** MoH against multi-head attention over the same 8 heads. */
export function mohClaim(rows: readonly BenchRow[]): Claim {
  const mha = findRow(rows, 'mha-8-heads');
  const moh = findRow(rows, 'moh-8-heads');
  return makeClaim({
    id: 'moh-heads',
    paper: 'MoH (Jin et al. 2024, arXiv 2410.11842)',
    statement: `Mixture-of-Head attention (${MOH.heads} heads: ${MOH.sharedHeads} shared, the top ${MOH.topK} of the other ${MOH.heads - MOH.sharedHeads} routed per token) reaches the accuracy of multi-head attention over the same heads (margin ${MOH_ACCURACY_PARITY.margin}) while each token uses at most ${MOH_MAX_ACTIVE_HEADS * 100}% of the heads`,
    parts: [
      comparePart({ a: moh, b: mha, metric: 'accuracy', rule: MOH_ACCURACY_PARITY }),
      exactPart('heads per token / heads (MoH)', moh.metrics.activeHeadFraction, {
        kind: 'at-most',
        bar: MOH_MAX_ACTIVE_HEADS,
      }),
    ],
    evidence:
      `accuracy ${show(moh, 'accuracy')} vs ${show(mha, 'accuracy')}; test loss ${show(moh, 'testLoss')} vs ${show(mha, 'testLoss')}; ` +
      `heads per token ${moh.metrics.activeHeadFraction} vs ${mha.metrics.activeHeadFraction}; ` +
      `parameters ${params(moh)} vs ${params(mha)}; FLOPs per sample ${moh.flopsPerSample} vs ${mha.flopsPerSample}`,
  });
}

/** JetMoE's attention and FFN experts against the dense block at (about) equal active parameters. */
export function jetMoeClaim(rows: readonly BenchRow[]): Claim {
  const jet = findRow(rows, 'jetmoe-moa-moe');
  const dense = findRow(rows, UPCYCLING_VARIANTS[0]);
  const { attention: a, ffn: f } = JETMOE;
  return makeClaim({
    id: 'jetmoe-attention-ffn-experts',
    paper: 'JetMoE (Shen et al. 2024, arXiv 2404.07413)',
    statement: `blocks with attention experts (${a.numExperts} experts of ${a.heads} heads of width ${a.headDim}, shared keys and values, top-${a.topK}) and FFN experts (${f.numExperts} of hidden ${f.hidden}, top-${f.topK}) reach a higher test accuracy than dense blocks (multi-head attention, dense FFN) at equal active parameters per token (at most ${Math.round((JETMOE_MAX_ACTIVE_RATIO - 1) * 100)}% more), at equal steps`,
    parts: [
      comparePart({ a: jet, b: dense, metric: 'accuracy', rule: SUPERIOR }),
      exactPart('active parameters: JetMoE / dense', jet.paramsActive / dense.paramsActive, {
        kind: 'at-most',
        bar: JETMOE_MAX_ACTIVE_RATIO,
      }),
    ],
    evidence:
      `accuracy ${show(jet, 'accuracy')} vs ${show(dense, 'accuracy')}; test loss ${show(jet, 'testLoss')} vs ${show(dense, 'testLoss')}; ` +
      `parameters ${params(jet)} vs ${params(dense)}; FLOPs per sample ${jet.flopsPerSample} vs ${dense.flopsPerSample}`,
  });
}

/** BAM against FFN-only upcycling of the same trained dense model, tuned for the same steps. */
export function bamClaim(rows: readonly BenchRow[]): Claim {
  const [denseName, ffnName, bamName] = UPCYCLING_VARIANTS;
  const dense = findRow(rows, denseName);
  const ffn = findRow(rows, ffnName);
  const bam = findRow(rows, bamName);
  return makeClaim({
    id: 'bam-vs-ffn-upcycling',
    paper: 'BAM (Zhang et al. 2024, arXiv 2408.08274)',
    statement: `upcycling a trained dense model into FFN experts and attention experts (its attention's query and output projections copied into ${UPCYCLE.numExperts} experts sharing its keys and values, soft routing) gives a lower test loss and a higher test accuracy than upcycling its FFNs only, after the same tuning steps on the same batches`,
    parts: [
      comparePart({ a: bam, b: ffn, metric: 'testLoss', better: 'lower', rule: SUPERIOR }),
      comparePart({ a: bam, b: ffn, metric: 'accuracy', rule: SUPERIOR }),
    ],
    evidence:
      `test loss ${show(bam, 'testLoss')} vs ${show(ffn, 'testLoss')} (dense seed model ${show(dense, 'testLoss')}); ` +
      `accuracy ${show(bam, 'accuracy')} vs ${show(ffn, 'accuracy')} (dense seed model ${show(dense, 'accuracy')}); ` +
      `parameters ${params(bam)} vs ${params(ffn)}; FLOPs per sample ${bam.flopsPerSample} vs ${ffn.flopsPerSample}`,
  });
}
