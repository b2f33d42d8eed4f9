import { makeRng } from '@moe-zoo/core';
import { kmeans, nearestCentroids } from '../src';

/** n points around each of the given centres (Gaussian, std `spread`). */
function blobs(centres: number[][], n: number, spread: number, seed: number) {
  const r = makeRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const dim = centres[0].length;
  const points = new Float32Array(centres.length * n * dim);
  const label = new Int32Array(centres.length * n);
  centres.forEach((c, ci) => {
    for (let i = 0; i < n; i++) {
      const row = ci * n + i;
      label[row] = ci;
      for (let j = 0; j < dim; j++) points[row * dim + j] = c[j] + spread * gauss();
    }
  });
  return { points, label, dim };
}

describe('kmeans', () => {
  const centres = [
    [0, 0, 0],
    [10, 0, 5],
    [0, 10, -5],
    [-10, -10, 10],
  ];

  it('recovers well-separated clusters: pure clusters and centroids at the true centres', () => {
    const { points, label, dim } = blobs(centres, 60, 0.5, 1);
    const fit = kmeans(points, dim, 4, { seed: 3 });
    // Every true cluster maps to exactly one code, and the codes are distinct.
    const codeOf = centres.map((_, c) => {
      const codes = new Set<number>();
      label.forEach((l, i) => l === c && codes.add(fit.assignments[i]));
      expect(codes.size).toBe(1);
      return [...codes][0];
    });
    expect(new Set(codeOf).size).toBe(4);
    centres.forEach((c, ci) => {
      const k = codeOf[ci];
      for (let j = 0; j < dim; j++) expect(Math.abs(fit.centroids[k * dim + j] - c[j])).toBeLessThan(0.3);
    });
    // Inertia ≈ n · dim · spread².
    expect(fit.inertia / (240 * dim * 0.25)).toBeGreaterThan(0.7);
    expect(fit.inertia / (240 * dim * 0.25)).toBeLessThan(1.3);
  });

  it('assigns every point to its nearest centroid (brute force) and stops at a fixed point', () => {
    const { points, dim } = blobs(
      [
        [0, 0],
        [3, 1],
        [1, 4],
      ],
      50,
      1.5,
      2,
    ); // overlapping
    const fit = kmeans(points, dim, 5, { seed: 0, maxIter: 100 });
    for (let i = 0; i < points.length / dim; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let c = 0; c < 5; c++) {
        const d =
          (points[i * 2] - fit.centroids[c * 2]) ** 2 + (points[i * 2 + 1] - fit.centroids[c * 2 + 1]) ** 2;
        if (d < bestD - 1e-9) {
          bestD = d;
          best = c;
        }
      }
      expect(fit.assignments[i]).toBe(best);
    }
    expect(nearestCentroids(points, dim, fit.centroids).assignments).toEqual(fit.assignments);
    // Centroids are the means of their points (Lloyd converged).
    for (let c = 0; c < 5; c++) {
      const members = Array.from(fit.assignments.keys()).filter((i) => fit.assignments[i] === c);
      expect(members.length).toBeGreaterThan(0);
      const mx = members.reduce((s, i) => s + points[i * 2], 0) / members.length;
      expect(fit.centroids[c * 2]).toBeCloseTo(mx, 3);
    }
  });

  it('is deterministic per seed and rejects bad arguments', () => {
    const { points, dim } = blobs(centres, 30, 3, 5);
    const a = kmeans(points, dim, 6, { seed: 7 });
    const b = kmeans(points, dim, 6, { seed: 7 });
    expect(a.centroids).toEqual(b.centroids);
    expect(a.assignments).toEqual(b.assignments);
    const seeds = [0, 1, 2, 3].map((s) => Array.from(kmeans(points, dim, 6, { seed: s }).centroids).join());
    expect(new Set(seeds).size).toBeGreaterThan(1); // the seed matters
    expect(() => kmeans(points, dim, 1000)).toThrow(/k must be an integer in \[1, n=120\]/);
    expect(() => kmeans(points, 7, 2)).toThrow(/not a multiple of dim 7/);
  });
});
