/** How often each content type's own expert (expert t for type t) is in a 0/1 expert mask. */
export interface OnTypeShare {
  /** Share of the type's samples whose mask includes the type's own expert. */
  onType: number;
  /** Mean over the other experts of the share of the type's samples whose mask includes it. */
  offType: number;
  /** Samples of the type. */
  n: number;
}

/**
 * Per content type t (expert t specialises in type t), the on-type and mean off-type shares of a
 * mask [n × E] row-major: routing labels (label quality) or a router's choice (its recall of the
 * on-type expert). NaN for a type without samples.
 *
 * @param types content type of each sample [n], each in [0, E)
 *
 * @example
 * ```ts
 * onTypeShares(Uint8Array.from([1, 0, 1, 1]), [0, 1], 2); // -> [{ onType: 1, offType: 0, n: 1 }, { onType: 1, offType: 1, n: 1 }]
 * ```
 */
export function onTypeShares(mask: Uint8Array, types: ArrayLike<number>, e: number): OnTypeShare[] {
  if (mask.length !== types.length * e)
    throw new Error(`onTypeShares: mask has ${mask.length} entries, expected ${types.length} x ${e}`);
  const count = Array.from({ length: e }, () => new Array<number>(e).fill(0));
  const n = new Array<number>(e).fill(0);
  for (let i = 0; i < types.length; i++) {
    const t = types[i];
    if (!(t >= 0 && t < e)) throw new Error(`onTypeShares: sample ${i} has type ${t}, expected 0..${e - 1}`);
    n[t]++;
    for (let j = 0; j < e; j++) count[t][j] += mask[i * e + j];
  }
  return n.map((k, t) => {
    const off = count[t].reduce((a, c, j) => (j === t ? a : a + c), 0);
    return k
      ? { onType: count[t][t] / k, offType: e > 1 ? off / (k * (e - 1)) : 0, n: k }
      : { onType: NaN, offType: NaN, n: 0 };
  });
}
