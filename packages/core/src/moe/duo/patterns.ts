/**
 * Duo-LLM's routing patterns: one choice per Duo layer among skip, small and big, so L layers
 * have 3^L patterns; a pattern's compute is its FFN FLOPs as a share of the big module in every
 * layer.
 */

/** The FFN slot adds nothing: the residual stream passes the layer unchanged. */
export const DUO_SKIP = 0;
/** The small FFN module. */
export const DUO_SMALL = 1;
/** The big FFN module. */
export const DUO_BIG = 2;
/** Choices per layer: skip, small, big (the experts' order in a Duo slot). */
export const DUO_CHOICES = 3;

/** What a pattern's compute needs of each layer: the FLOPs per token of skip, small and big. */
export interface DuoCosts {
  choiceFlops(): readonly [number, number, number];
}

/**
 * Every pattern of `layers` layers, 3^layers of them, in lexicographic order (the last layer
 * varies fastest): `[0, 0]`, `[0, 1]`, `[0, 2]`, `[1, 0]`, ... At most 12 layers (531,441
 * patterns): an exhaustive search beyond that is not what this is for.
 *
 * @example
 * ```ts
 * duoPatterns(2).length; // 9
 * ```
 */
export function duoPatterns(layers: number): number[][] {
  if (!Number.isInteger(layers) || layers < 1 || layers > 12) {
    throw new Error(`duoPatterns: layers must be an integer in [1, 12], got ${layers}`);
  }
  const out: number[][] = [];
  const count = DUO_CHOICES ** layers;
  for (let i = 0; i < count; i++) {
    const pattern = new Array<number>(layers);
    for (let l = layers - 1, rest = i; l >= 0; l--, rest = Math.floor(rest / DUO_CHOICES)) {
      pattern[l] = rest % DUO_CHOICES;
    }
    out.push(pattern);
  }
  return out;
}

/**
 * The compute of `pattern` on `layers`: its FFN FLOPs per token over those of the big module in
 * every layer (0 = skip everywhere, 1 = big everywhere).
 *
 * @example
 * ```ts
 * const layer = new DuoFfn({ dim: 32, smallHidden: 16, bigHidden: 64 });
 * patternCompute([layer, layer], [DUO_BIG, DUO_SKIP]); // 0.5
 * patternCompute([layer, layer], [DUO_SMALL, DUO_SMALL]); // 0.25
 * ```
 */
export function patternCompute(layers: readonly DuoCosts[], pattern: readonly number[]): number {
  if (pattern.length !== layers.length) {
    throw new Error(`patternCompute: a pattern of ${pattern.length} choices for ${layers.length} layers`);
  }
  let used = 0;
  let all = 0;
  layers.forEach((layer, l) => {
    const flops = layer.choiceFlops();
    const c = pattern[l];
    if (!(c === DUO_SKIP || c === DUO_SMALL || c === DUO_BIG)) {
      throw new Error(`patternCompute: choice ${c} of layer ${l} is not skip (0), small (1) or big (2)`);
    }
    used += flops[c];
    all += flops[DUO_BIG];
  });
  return all > 0 ? used / all : 0;
}
