import type { MoEAux, RoutingMetrics } from './types';

/** MaxVio = (max load - mean load) / mean load over per-expert counts; 0 when balanced. */
export function maxViolation(counts: ArrayLike<number>): number {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < counts.length; i++) {
    sum += counts[i];
    max = Math.max(max, counts[i]);
  }
  const mean = sum / counts.length;
  return mean > 0 ? (max - mean) / mean : 0;
}

/**
 * Mean per-row entropy (nats) of a row-stochastic [T, E] matrix given as flat values; with
 * `valid` [T] only rows where it is non-zero count (padding left out).
 */
export function meanEntropy(probs: ArrayLike<number>, experts: number, valid?: ArrayLike<number>): number {
  const rows = probs.length / experts;
  let h = 0;
  let counted = 0;
  for (let r = 0; r < rows; r++) {
    if (valid && !valid[r]) continue;
    counted++;
    for (let e = 0; e < experts; e++) {
      const p = probs[r * experts + e];
      if (p > 0) h -= p * Math.log(p);
    }
  }
  return counted > 0 ? h / counted : 0;
}

/**
 * Reads the routing metrics of one MoE call back to the host (one small readback per tensor).
 * Padding marked in `aux.valid` counts in neither the loads nor the entropy.
 *
 * @example
 * ```ts
 * const { y, aux } = moe.forward(x);
 * const m = routingMetrics(aux); // { load: [...], maxVio, entropy, dropRate, unusedExperts }
 * ```
 */
export function routingMetrics(aux: MoEAux): RoutingMetrics {
  return metricsOf(
    aux,
    aux.counts.dataSync(),
    aux.probs.dataSync(),
    aux.dropped.dataSync()[0],
    aux.valid?.dataSync(),
  );
}

/**
 * {@link routingMetrics} with asynchronous reads, for backends without synchronous ones (webgpu
 * in Node).
 *
 * @example
 * ```ts
 * const m = await routingMetricsAsync(aux);
 * ```
 */
export async function routingMetricsAsync(aux: MoEAux): Promise<RoutingMetrics> {
  const [counts, probs, dropped, valid] = await Promise.all([
    aux.counts.data(),
    aux.probs.data(),
    aux.dropped.data(),
    aux.valid?.data(),
  ]);
  return metricsOf(aux, counts, probs, dropped[0], valid);
}

function metricsOf(
  aux: MoEAux,
  countValues: ArrayLike<number>,
  probs: ArrayLike<number>,
  dropped: number,
  valid: ArrayLike<number> | undefined,
): RoutingMetrics {
  const counts = Array.from(countValues);
  const total = counts.reduce((s, c) => s + c, 0);
  const experts = counts.length;
  const assignments = aux.indices.size;
  return {
    load: counts.map((c) => (total > 0 ? c / total : 0)),
    maxVio: maxViolation(counts),
    entropy: meanEntropy(probs, experts, valid),
    dropRate: assignments > 0 ? dropped / assignments : 0,
    unusedExperts: counts.filter((c) => c === 0).length,
  };
}

/** Averages the metrics of several MoE layers (per-expert loads averaged element-wise). */
export function averageMetrics(list: RoutingMetrics[]): RoutingMetrics | undefined {
  if (list.length === 0) return undefined;
  const n = list.length;
  const e = list[0].load.length;
  const sameWidth = list.every((m) => m.load.length === e);
  return {
    load: sameWidth ? list[0].load.map((_, i) => list.reduce((s, m) => s + m.load[i], 0) / n) : [],
    maxVio: list.reduce((s, m) => s + m.maxVio, 0) / n,
    entropy: list.reduce((s, m) => s + m.entropy, 0) / n,
    dropRate: list.reduce((s, m) => s + m.dropRate, 0) / n,
    unusedExperts: list.reduce((s, m) => s + m.unusedExperts, 0) / n,
  };
}
