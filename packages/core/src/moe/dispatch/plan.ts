/**
 * Host-side plan of a sparse dispatch, built from one readback of the routing indices.
 * Kept (token, slot) pairs are laid out expert by expert ("sorted position" s in [0, N)).
 */
export interface DispatchPlan {
  tokens: number;
  /** Slots per token: k for token choice, the most experts any token got for expert choice. */
  slots: number;
  /** Kept pairs N. */
  kept: number;
  /** Kept pairs per expert, in sorted order. */
  groupSizes: number[];
  /** [N]: the token of each sorted position. */
  srcToken: Int32Array;
  /** [N]: the flat (token, slot) index t·R + r of each sorted position. */
  srcSlot: Int32Array;
  /** [T·R]: the sorted position of each (token, slot), or N where the slot is empty/dropped. */
  slotPos: Int32Array;
  /** Any empty or dropped slot (then gathers need a zero row). */
  hasEmpty: boolean;
  /** Pairs dropped by the capacity limit. */
  dropped: number;
  /** Pairs routed to each expert before drops. */
  routed: number[];
}

/**
 * Plan for token choice: `indices` [T·k] (row-major [T, k]). Each expert keeps at most
 * `capacity` pairs, first-choice slots before second-choice ones, then by token order (GShard).
 */
export function planTokenChoice(
  indices: Int32Array,
  tokens: number,
  k: number,
  experts: number,
  capacity = Infinity,
): DispatchPlan {
  const routed = new Array<number>(experts).fill(0);
  const keptPerExpert = new Array<number>(experts).fill(0);
  const keep = new Uint8Array(tokens * k);
  for (let j = 0; j < k; j++) {
    for (let t = 0; t < tokens; t++) {
      const e = indices[t * k + j];
      if (e < 0 || e >= experts) throw new Error(`dispatch: expert index ${e} out of range [0, ${experts})`);
      routed[e]++;
      if (keptPerExpert[e] < capacity) {
        keptPerExpert[e]++;
        keep[t * k + j] = 1;
      }
    }
  }
  const offsets = new Array<number>(experts).fill(0);
  for (let e = 1; e < experts; e++) offsets[e] = offsets[e - 1] + keptPerExpert[e - 1];
  const kept = keptPerExpert.reduce((s, c) => s + c, 0);
  const srcToken = new Int32Array(kept);
  const srcSlot = new Int32Array(kept);
  const slotPos = new Int32Array(tokens * k).fill(kept);
  const cursor = offsets.slice();
  for (let p = 0; p < tokens * k; p++) {
    if (!keep[p]) continue;
    const s = cursor[indices[p]]++;
    srcToken[s] = Math.floor(p / k);
    srcSlot[s] = p;
    slotPos[p] = s;
  }
  return {
    tokens,
    slots: k,
    kept,
    groupSizes: keptPerExpert,
    srcToken,
    srcSlot,
    slotPos,
    hasEmpty: kept < tokens * k,
    dropped: tokens * k - kept,
    routed,
  };
}

/** Plan for expert choice: `chosen` [E·C] (row-major [E, C]) token indices. */
export function planExpertChoice(chosen: Int32Array, tokens: number, experts: number): DispatchPlan {
  const capacity = chosen.length / experts;
  const perToken = new Array<number>(tokens).fill(0);
  for (const t of chosen) perToken[t]++;
  const slots = Math.max(1, ...perToken);
  const kept = chosen.length;
  const slotPos = new Int32Array(tokens * slots).fill(kept);
  const srcSlot = new Int32Array(kept);
  const fill = new Array<number>(tokens).fill(0);
  for (let s = 0; s < kept; s++) {
    const t = chosen[s];
    const flat = t * slots + fill[t]++;
    slotPos[flat] = s;
    srcSlot[s] = flat;
  }
  return {
    tokens,
    slots,
    kept,
    groupSizes: new Array<number>(experts).fill(capacity),
    srcToken: Int32Array.from(chosen),
    srcSlot,
    slotPos,
    hasEmpty: kept < tokens * slots,
    dropped: 0,
    routed: new Array<number>(experts).fill(capacity),
  };
}
