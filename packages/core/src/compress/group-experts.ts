import { ConfigError } from '../config/parse';

/**
 * Groups E experts into `numGroups` clusters of similar behaviour by average-linkage agglomerative
 * clustering of a similarity matrix (Sub-MoE's adaptive expert clustering groups experts by the
 * cosine similarity of their outputs, Li et al. 2025, arXiv:2506.23266; they use K-means, an
 * agglomerative grouping is deterministic and needs no start): starting from one expert per
 * group, the two groups of highest mean pairwise similarity merge until `numGroups` are left
 * (ties: the pair found first). Group ids are numbered in order of each group's lowest expert.
 *
 * @example
 * ```ts
 * const stats = await calibrateExperts(moe, tokens);
 * const groupOf = groupExperts(stats.similarity, 4); // e.g. [0, 1, 0, 2, 3, 1, 2, 3]
 * ```
 */
export function groupExperts(similarity: readonly (readonly number[])[], numGroups: number): number[] {
  const e = similarity.length;
  if (similarity.some((row) => row.length !== e)) {
    throw new ConfigError('expert grouping', [
      { path: 'similarity', message: `must be a square [${e}][${e}] matrix` },
    ]);
  }
  if (!Number.isInteger(numGroups) || numGroups < 1 || numGroups > e) {
    throw new ConfigError('expert grouping', [
      { path: 'numGroups', message: `must be an integer in [1, ${e}], got ${numGroups}` },
    ]);
  }
  const clusters = Array.from({ length: e }, (_, i) => [i]);
  const linkage = (a: number[], b: number[]) =>
    a.reduce((s, i) => s + b.reduce((t, j) => t + similarity[i][j], 0), 0) / (a.length * b.length);
  while (clusters.length > numGroups) {
    let best = [0, 1];
    let bestScore = -Infinity;
    for (let a = 0; a < clusters.length; a++) {
      for (let b = a + 1; b < clusters.length; b++) {
        const score = linkage(clusters[a], clusters[b]);
        if (score > bestScore) [best, bestScore] = [[a, b], score];
      }
    }
    const [a, b] = best;
    clusters[a] = [...clusters[a], ...clusters[b]].sort((x, y) => x - y);
    clusters.splice(b, 1);
  }
  const groupOf = new Array<number>(e);
  clusters.sort((x, y) => x[0] - y[0]).forEach((members, g) => members.forEach((i) => (groupOf[i] = g)));
  return groupOf;
}
