/** Samples whose routing selects no expert, with a warning when there are any. */
export interface EmptyRouting {
  /** Samples with no expert routed. */
  samples: number;
  /** Samples checked. */
  of: number;
  /** Set when `samples` > 0. */
  warning?: string;
}

/**
 * Counts the samples of a routing mask [n × E] row-major that route no expert. A MoVA system
 * then answers them from the base encoder alone, which is easy to miss in an accuracy figure.
 *
 * @example
 * ```ts
 * emptyRouting(Uint8Array.from([0, 0, 1, 0]), 2).warning; // -> 'router selected 0 experts for 1 of 2 samples ...'
 * ```
 */
export function emptyRouting(routed: Uint8Array, e: number): EmptyRouting {
  if (e <= 0 || routed.length % e !== 0)
    throw new Error(`emptyRouting: ${routed.length} entries do not fit ${e} experts`);
  const n = routed.length / e;
  let empty = 0;
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let j = 0; j < e; j++) k += routed[i * e + j];
    if (k === 0) empty++;
  }
  if (empty === 0) return { samples: 0, of: n };
  const warning =
    empty === n
      ? `router selected 0 experts for all ${n} samples: every answer came from the base encoder alone (check the routing labels and the router's threshold)`
      : `router selected 0 experts for ${empty} of ${n} samples: those were answered by the base encoder alone`;
  return { samples: empty, of: n, warning };
}
