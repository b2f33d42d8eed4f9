/** Options of {@link routingLabels}. */
export interface RoutingLabelOptions {
  /** Most experts per sample (3 in MoVA); the ones with the lowest loss are kept. */
  maxExperts?: number;
  /** Expert j counts only if its loss is below the base loss by more than this (default 0: the paper's rule). */
  margin?: number;
}

/**
 * MoVA's routing labels (§3.2, "Routing Data Construction"): expert j is useful for sample i
 * when the answer loss of the model with base + expert j is below the loss of the base-only
 * model, `L[i, j] < L[i, 0]`; at most `maxExperts` are kept, those with the lowest loss.
 *
 * @param baseLoss per-sample loss of the base-only answerer [n]
 * @param expertLoss per-sample loss of the base + expert j answerers, [n × E] row-major
 * @returns [n × E] row-major 0/1 labels
 *
 * @example
 * ```ts
 * routingLabels([1.0], [0.5, 1.2, 0.9, 0.1]); // -> [1, 0, 1, 1]
 * routingLabels([1.0], [0.5, 1.2, 0.9, 0.1], { maxExperts: 2 }); // -> [1, 0, 0, 1]
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
  const maxExperts = o.maxExperts ?? 3;
  const margin = o.margin ?? 0;
  const out = new Uint8Array(n * e);
  for (let i = 0; i < n; i++) {
    const useful: number[] = [];
    for (let j = 0; j < e; j++) if (expertLoss[i * e + j] < baseLoss[i] - margin) useful.push(j);
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
