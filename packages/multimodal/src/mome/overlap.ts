import type { AvBackboneConfig } from './backbone';
import { rateKey, type RatePair } from './rates';
import type { AvRateEvaluation, LayerRoutes } from './train';

/** Where one modality's tokens sit in the fine and coarse sequences. */
export interface TokenSegment {
  fineStart: number;
  fineLen: number;
  coarseStart: number;
  coarseLen: number;
}

/** Mean Jaccard index of expert sets: aligned tokens vs the same positions of another sample. */
export interface ExpertOverlap {
  /** Coarse token vs each fine token it pools (same sample). */
  aligned: number;
  /** The same, with the fine tokens taken from another sample (chance level for the positions). */
  shuffled: number;
  /** Token pairs compared. */
  pairs: number;
}

function jaccard(a: Int32Array, ao: number, b: Int32Array, bo: number, k: number): number {
  let inter = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (a[ao + i] === b[bo + j]) {
        inter++;
        break;
      }
    }
  }
  return inter / (2 * k - inter);
}

/**
 * How much the experts chosen for a compressed token overlap with those chosen for the tokens it
 * pools at a finer rate (MoME's claim: one shared router makes the granularities pick the same
 * experts). Coarse token j covers fine tokens j·r .. j·r + r − 1, r = fineLen / coarseLen. The
 * shuffled reference pairs each coarse token with the fine tokens of sample (i + ⌊n/2⌋ + 1) mod n
 * (the next sample when n = 2).
 *
 * @example
 * ```ts
 * alignedExpertOverlap(evals.a2v1.routes[0], evals.a8v1.routes[0],
 *   { fineStart: 0, fineLen: 12, coarseStart: 0, coarseLen: 3 });
 * ```
 */
export function alignedExpertOverlap(
  fine: LayerRoutes,
  coarse: LayerRoutes,
  seg: TokenSegment,
): ExpertOverlap {
  if (fine.n !== coarse.n || fine.k !== coarse.k)
    throw new Error(
      `alignedExpertOverlap: fine (n ${fine.n}, k ${fine.k}) and coarse (n ${coarse.n}, k ${coarse.k}) differ`,
    );
  if (seg.fineLen % seg.coarseLen !== 0)
    throw new Error(
      `alignedExpertOverlap: fineLen ${seg.fineLen} is not a multiple of coarseLen ${seg.coarseLen}`,
    );
  if (seg.fineStart + seg.fineLen > fine.tokens || seg.coarseStart + seg.coarseLen > coarse.tokens)
    throw new Error('alignedExpertOverlap: segment outside the token range');
  const { n, k } = fine;
  const ratio = seg.fineLen / seg.coarseLen;
  const shift = n > 1 ? Math.max(1, (Math.floor(n / 2) + 1) % n) : 0;
  let aligned = 0;
  let shuffled = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    const other = (i + shift) % n;
    for (let j = 0; j < seg.coarseLen; j++) {
      const c = (i * coarse.tokens + seg.coarseStart + j) * k;
      for (let f = j * ratio; f < (j + 1) * ratio; f++) {
        aligned += jaccard(coarse.indices, c, fine.indices, (i * fine.tokens + seg.fineStart + f) * k, k);
        shuffled += jaccard(
          coarse.indices,
          c,
          fine.indices,
          (other * fine.tokens + seg.fineStart + f) * k,
          k,
        );
        pairs++;
      }
    }
  }
  return { aligned: aligned / pairs, shuffled: shuffled / pairs, pairs };
}

/** Expert overlap of a MoME model across rates, averaged over its adapter layers. */
export interface MomeOverlap {
  /** Audio tokens: a2↔a4, a4↔a8 and a2↔a8 (video rate 1). */
  audio: ExpertOverlap;
  /** Video tokens: v1↔v2 (audio rate 2). */
  video: ExpertOverlap;
}

/**
 * Expert-set overlap (Jaccard) across compression rates from {@link evaluateAvModel} results that
 * include a2v1, a4v1, a8v1 and a2v2 (missing pairs are skipped; a modality with none is NaN).
 */
export function momeOverlap(
  evals: Record<string, AvRateEvaluation>,
  backbone: AvBackboneConfig,
): MomeOverlap {
  const tokens = (r: RatePair): [number, number] => [
    backbone.audioTokens / r.audio,
    backbone.videoTokens / r.video,
  ];
  const mean = (pairs: [RatePair, RatePair, 'audio' | 'video'][]): ExpertOverlap => {
    const parts: ExpertOverlap[] = [];
    for (const [fr, cr, modality] of pairs) {
      const fine = evals[rateKey(fr)];
      const coarse = evals[rateKey(cr)];
      if (!fine || !coarse) continue;
      const [fa, fv] = tokens(fr);
      const [ca, cv] = tokens(cr);
      const seg: TokenSegment =
        modality === 'audio'
          ? { fineStart: 0, fineLen: fa, coarseStart: 0, coarseLen: ca }
          : { fineStart: fa, fineLen: fv, coarseStart: ca, coarseLen: cv };
      fine.routes.forEach((r, l) => parts.push(alignedExpertOverlap(r, coarse.routes[l], seg)));
    }
    const avg = (f: (o: ExpertOverlap) => number) => parts.reduce((s, o) => s + f(o), 0) / parts.length;
    return {
      aligned: parts.length ? avg((o) => o.aligned) : NaN,
      shuffled: parts.length ? avg((o) => o.shuffled) : NaN,
      pairs: parts.reduce((s, o) => s + o.pairs, 0),
    };
  };
  const a = (audio: number, video: number): RatePair => ({ audio, video });
  return {
    audio: mean([
      [a(2, 1), a(4, 1), 'audio'],
      [a(4, 1), a(8, 1), 'audio'],
      [a(2, 1), a(8, 1), 'audio'],
    ]),
    video: mean([[a(2, 1), a(2, 2), 'video']]),
  };
}
