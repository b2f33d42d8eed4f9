import { parseConfig } from '@moe-zoo/core';
import { z } from 'zod';

/**
 * The routing-label rule: expert j is useful for sample i when `L[i, j] < L[i, 0] - margin` and
 * its drop `L[i, 0] - L[i, j]` is at least `relative` times the largest drop of any expert for
 * the sample, at most `maxExperts` per sample (the lowest losses). The defaults are the paper's
 * rule (margin 0, relative 0, at most 3).
 *
 * Measured on the vision suite's quick data (seed 0, answerers scored on 6000 training questions),
 * share of each type's questions whose own expert is labelled useful / mean share for each other
 * expert, mnist, fashion-mnist, text, chart. With the earlier miniature (the base pretrained on
 * caption labels that answer half the questions, 1,000 digit and clothing pretraining images,
 * all 10 question templates, one answerer seed):
 * - paper (margin 0, at most 3): 0.69 / 0.48, 0.59 / 0.50, 0.90 / 0.53, 0.70 / 0.48;
 * - margin 0.1, at most 3: 0.29 / 0.18, 0.19 / 0.13, 0.79 / 0.36, 0.41 / 0.26;
 * - {@link STRICT_ROUTING_RULE} (margin 0.02, at most 1): 0.33 / 0.12, 0.20 / 0.08, 0.84 / 0.03, 0.26 / 0.13.
 * Most mnist and fashion-mnist questions were answered by the base alone at near-zero loss, so
 * no expert lowered their loss, and averaging two answerer seeds moved every rate by at most 5
 * points. With the suite's current miniature (the base pretrained on the content type only,
 * 3,000 pretraining images per specialist, the 7 templates that need a specialist, losses
 * averaged over two answerer seeds) the base no longer answers, but every full-resolution expert
 * lowers the loss on every type (the answerers learn to read digits from the text expert's
 * features too), so the off-type rates stay high without a relative margin:
 * - paper: 0.94 / 0.56, 0.84 / 0.56, 0.92 / 0.50, 0.85 / 0.54;
 * - margin 0.1: 0.60 / 0.30, 0.53 / 0.32, 0.90 / 0.41, 0.79 / 0.47;
 * - strict: 0.76 / 0.04, 0.63 / 0.07, 0.89 / 0.03, 0.58 / 0.12;
 * - relative 0.5: 0.93 / 0.43, 0.81 / 0.38, 0.90 / 0.07, 0.79 / 0.37;
 * - relative 0.7 (the suite's): 0.91 / 0.31, 0.79 / 0.29, 0.90 / 0.04, 0.73 / 0.27;
 * - relative 0.8: 0.90 / 0.24, 0.77 / 0.23, 0.90 / 0.03, 0.69 / 0.22.
 * Strict labels gave the coarse router too few positives (with the earlier miniature it routed
 * no expert for 73% of the test questions and MoVA's accuracy fell from 0.834 to 0.775).
 */
export const RoutingLabelRuleSchema = z.strictObject({
  /** Most experts per sample; the ones with the lowest loss are kept. */
  maxExperts: z.number().int().positive().max(1024).default(3),
  /** Expert j counts only if its loss is below the base loss by more than this. */
  margin: z.number().nonnegative().default(0),
  /**
   * Expert j counts only if its loss drop is at least this fraction of the largest drop of any
   * expert for the sample (0, the paper: any drop; 1: only the most useful expert and ties).
   */
  relative: z.number().min(0).max(1).default(0),
});
/** Options of {@link routingLabels} (every field optional). */
export type RoutingLabelOptions = z.input<typeof RoutingLabelRuleSchema>;
/** The rule with its defaults filled in. */
export type RoutingLabelRule = z.output<typeof RoutingLabelRuleSchema>;

/** MoVA's own rule (§3.2), the default: any loss reduction counts, at most 3 experts. */
export const PAPER_ROUTING_RULE: RoutingLabelRule = RoutingLabelRuleSchema.parse({});

/** Fewer off-type labels (see {@link RoutingLabelRuleSchema}): a loss drop above 0.02, the single most useful expert. */
export const STRICT_ROUTING_RULE: RoutingLabelRule = { maxExperts: 1, margin: 0.02, relative: 0 };

/**
 * MoVA's routing labels (§3.2, "Routing Data Construction"): expert j is useful for sample i
 * when the answer loss of the model with base + expert j is below the loss of the base-only
 * model by more than a margin, `L[i, j] < L[i, 0] - margin`, and by at least `relative` times the
 * best expert's drop; at most `maxExperts` are kept, those with the lowest loss. Defaults
 * (the paper's rule): {@link RoutingLabelRuleSchema}.
 *
 * @param baseLoss per-sample loss of the base-only answerer [n]
 * @param expertLoss per-sample loss of the base + expert j answerers, [n × E] row-major
 * @returns [n × E] row-major 0/1 labels
 *
 * @example
 * ```ts
 * routingLabels([1.0], [0.5, 1.2, 0.9, 0.1]); // -> [1, 0, 1, 1]
 * routingLabels([1.0], [0.5, 1.2, 0.9, 0.1], { maxExperts: 2 }); // -> [1, 0, 0, 1]
 * routingLabels([1.0], [0.5, 1.2, 0.99, 0.1], STRICT_ROUTING_RULE); // -> [0, 0, 0, 1]
 * routingLabels([1.0], [0.5, 1.2, 0.3, 0.1], { relative: 0.7 }); // -> [0, 0, 1, 1] (drops 0.5 < 0.63, 0.7, 0.9)
 * ```
 */
export function routingLabels(
  baseLoss: ArrayLike<number>,
  expertLoss: ArrayLike<number>,
  o: RoutingLabelOptions = {},
): Uint8Array {
  const n = baseLoss.length;
  if (n === 0 || expertLoss.length % n !== 0)
    throw new Error(`routingLabels: ${expertLoss.length} expert losses do not fit ${n} samples`);
  const e = expertLoss.length / n;
  const { maxExperts, margin, relative } = parseConfig(RoutingLabelRuleSchema, o, 'routing label rule');
  const out = new Uint8Array(n * e);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 0; j < e; j++) best = Math.max(best, baseLoss[i] - expertLoss[i * e + j]);
    const useful: number[] = [];
    for (let j = 0; j < e; j++) {
      const l = expertLoss[i * e + j];
      if (l < baseLoss[i] - margin && baseLoss[i] - l >= relative * best) useful.push(j);
    }
    useful.sort((a, b) => expertLoss[i * e + a] - expertLoss[i * e + b] || a - b);
    for (const j of useful.slice(0, maxExperts)) out[i * e + j] = 1;
  }
  return out;
}

/** Micro-averaged agreement of predicted and labelled expert subsets. */
export interface RoutingAgreement {
  /** Of the (sample, expert) pairs routed, the fraction labelled useful (1 when nothing was routed). */
  precision: number;
  /** Of the pairs labelled useful, the fraction routed (1 when nothing is labelled). */
  recall: number;
  /** Samples whose routed subset equals the labelled one. */
  exactMatch: number;
  /** Mean routed experts per sample. */
  expertsPerSample: number;
}

/** Precision / recall of routed subsets against labels, both [n × E] row-major 0/1. */
export function routingAgreement(pred: Uint8Array, labels: Uint8Array, e: number): RoutingAgreement {
  if (pred.length !== labels.length || pred.length % e !== 0)
    throw new Error(`routingAgreement: ${pred.length} predictions vs ${labels.length} labels (E = ${e})`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let exact = 0;
  const n = pred.length / e;
  for (let i = 0; i < n; i++) {
    let same = true;
    for (let j = 0; j < e; j++) {
      const p = pred[i * e + j];
      const l = labels[i * e + j];
      if (p && l) tp++;
      else if (p) fp++;
      else if (l) fn++;
      if (p !== l) same = false;
    }
    if (same) exact++;
  }
  return {
    precision: tp + fp ? tp / (tp + fp) : 1,
    recall: tp + fn ? tp / (tp + fn) : 1,
    exactMatch: exact / n,
    expertsPerSample: (tp + fp) / n,
  };
}

/**
 * Random routing (ablation): for each sample, the same number of experts as `like` routes,
 * chosen uniformly at random.
 */
export function randomRouting(like: Uint8Array, e: number, rng: () => number): Uint8Array {
  const out = new Uint8Array(like.length);
  for (let i = 0; i < like.length / e; i++) {
    let k = 0;
    for (let j = 0; j < e; j++) k += like[i * e + j];
    const order = Array.from({ length: e }, (_, j) => j);
    for (let j = e - 1; j > 0; j--) {
      const s = Math.floor(rng() * (j + 1));
      [order[j], order[s]] = [order[s], order[j]];
    }
    for (const j of order.slice(0, k)) out[i * e + j] = 1;
  }
  return out;
}
