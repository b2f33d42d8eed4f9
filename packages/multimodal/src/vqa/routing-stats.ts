import { meanEntropy } from '@moe-zoo/core';

/** Token kinds of a VQA sequence as the routing statistics see them. */
export const TOKEN_KIND = { pad: -1, text: 0, image: 1 } as const;

/** One MoE layer's routing of one batch, read back to the host. */
export interface HostRouting {
  /** Routing probabilities [T, E], row-major (zero outside a token's expert subset). */
  probs: ArrayLike<number>;
  /** Chosen experts [T, k], row-major. */
  indices: ArrayLike<number>;
  /** How many experts the router of an image / a text token chooses from (normalises its entropy). */
  choices: { image: number; text: number };
}

/** Routing by modality over valid tokens, all MoE layers and every batch added. */
export interface ModalityRouting {
  /** Fraction of (token, slot) assignments per expert. */
  usage: { image: number[]; text: number[] };
  /**
   * Mean per-token entropy of the routing distribution divided by the log of the number of experts
   * the token's router chooses from: 1 = uniform, 0 = one expert; NaN without tokens (or choice).
   */
  entropy: { image: number; text: number };
}

interface Side {
  counts: number[];
  entropy: number;
  tokens: number;
}

/**
 * Accumulates {@link ModalityRouting} over batches and layers: `add` each layer's routing with the
 * kind of every token ({@link TOKEN_KIND}; padding counts nowhere), then `result`.
 */
export class ModalityRoutingStats {
  private readonly sides: { image: Side; text: Side };

  constructor(readonly experts: number) {
    const side = (): Side => ({ counts: new Array<number>(experts).fill(0), entropy: 0, tokens: 0 });
    this.sides = { image: side(), text: side() };
  }

  add(r: HostRouting, kind: ArrayLike<number>): void {
    const t = kind.length;
    const k = r.indices.length / t;
    for (const name of ['image', 'text'] as const) {
      const code = TOKEN_KIND[name];
      const mask = Array.from(kind, (c): number => (c === code ? 1 : 0));
      const n = mask.reduce((s, v) => s + v, 0);
      if (n === 0) continue;
      const side = this.sides[name];
      const choices = r.choices[name];
      // Every token of a modality has the same choice count in a layer, so normalising the mean is exact.
      const h = choices > 1 ? meanEntropy(r.probs, this.experts, mask) / Math.log(choices) : NaN;
      side.entropy += h * n;
      side.tokens += n;
      for (let i = 0; i < t; i++)
        if (mask[i]) for (let j = 0; j < k; j++) side.counts[r.indices[i * k + j]]++;
    }
  }

  result(): ModalityRouting {
    const share = (v: number[]) => {
      const s = v.reduce((a, b) => a + b, 0);
      return v.map((x) => (s > 0 ? x / s : 0));
    };
    const entropy = (s: Side) => (s.tokens > 0 ? s.entropy / s.tokens : NaN);
    const { image, text } = this.sides;
    return {
      usage: { image: share(image.counts), text: share(text.counts) },
      entropy: { image: entropy(image), text: entropy(text) },
    };
  }
}

/** Share of `usage` (fractions per expert) that falls on `experts`. */
export function shareOn(usage: readonly number[], experts: readonly number[]): number {
  return experts.reduce((s, e) => s + (usage[e] ?? 0), 0);
}
