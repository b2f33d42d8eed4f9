/** Per-test-sample expert overlap across compression rates: the items behind the Jaccard metrics. */
import {
  alignedExpertOverlap,
  rateKey,
  type AvBackboneConfig,
  type AvRateEvaluation,
  type LayerRoutes,
  type RatePair,
  type TokenSegment,
} from '@moe-zoo/multimodal';

/** Per test sample (in test-set order): mean Jaccard of aligned tokens and of the other-sample reference. */
export interface SampleOverlap {
  aligned: number[];
  shuffled: number[];
}

type Modality = 'audio' | 'video';

const pair = (audio: number, video: number): RatePair => ({ audio, video });

/** Fine rate, coarse rate, pooled modality: the comparisons `momeOverlap` averages, in its order. */
const OVERLAP_PAIRS: readonly [RatePair, RatePair, Modality][] = [
  [pair(2, 1), pair(4, 1), 'audio'],
  [pair(4, 1), pair(8, 1), 'audio'],
  [pair(2, 1), pair(8, 1), 'audio'],
  [pair(2, 1), pair(2, 2), 'video'],
];

/** Sample `i` of a layer's routes, as a one-sample set (a view, no copy). */
function sampleRoutes(r: LayerRoutes, i: number): LayerRoutes {
  const size = r.tokens * r.k;
  return { n: 1, tokens: r.tokens, k: r.k, indices: r.indices.subarray(i * size, (i + 1) * size) };
}

/** The sample `alignedExpertOverlap` takes the other-sample reference of sample `i` from. */
function otherSample(i: number, n: number): number {
  const shift = n > 1 ? Math.max(1, (Math.floor(n / 2) + 1) % n) : 0;
  return (i + shift) % n;
}

/** Where `modality`'s tokens sit at the fine and coarse rates. */
function segment(
  backbone: AvBackboneConfig,
  fine: RatePair,
  coarse: RatePair,
  modality: Modality,
): TokenSegment {
  const fa = backbone.audioTokens / fine.audio;
  const ca = backbone.audioTokens / coarse.audio;
  return modality === 'audio'
    ? { fineStart: 0, fineLen: fa, coarseStart: 0, coarseLen: ca }
    : {
        fineStart: fa,
        fineLen: backbone.videoTokens / fine.video,
        coarseStart: ca,
        coarseLen: backbone.videoTokens / coarse.video,
      };
}

/**
 * Per test sample, the Jaccard overlap of a compressed token's experts with those of the tokens it
 * pools (`aligned`) and with the same positions of another sample (`shuffled`), averaged over the
 * rate comparisons and adapter layers exactly as `momeOverlap` does: the mean over samples equals
 * `momeOverlap(evals, backbone)[modality]`. Throws when `evals` lack every pair of a modality.
 */
export function perSampleOverlap(
  evals: Record<string, AvRateEvaluation>,
  backbone: AvBackboneConfig,
  modality: Modality,
): SampleOverlap {
  const parts: { fine: LayerRoutes; coarse: LayerRoutes; seg: TokenSegment }[] = [];
  for (const [fr, cr, m] of OVERLAP_PAIRS) {
    const fine = evals[rateKey(fr)];
    const coarse = evals[rateKey(cr)];
    if (m !== modality || !fine || !coarse) continue;
    const seg = segment(backbone, fr, cr, m);
    fine.routes.forEach((r, layer) => parts.push({ fine: r, coarse: coarse.routes[layer], seg }));
  }
  if (parts.length === 0) throw new Error(`perSampleOverlap: no ${modality} rate pair with expert routes`);
  const n = parts[0].fine.n;
  const aligned = new Array<number>(n).fill(0);
  const shuffled = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    const other = otherSample(i, n);
    for (const { fine, coarse, seg } of parts) {
      const c = sampleRoutes(coarse, i);
      aligned[i] += alignedExpertOverlap(sampleRoutes(fine, i), c, seg).aligned / parts.length;
      shuffled[i] += alignedExpertOverlap(sampleRoutes(fine, other), c, seg).aligned / parts.length;
    }
  }
  return { aligned, shuffled };
}
