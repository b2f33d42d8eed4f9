import { makeRng } from '@moe-zoo/core';

/** Options of {@link kmeans}. */
export interface KMeansOptions {
  /** Seeds the k-means++ initialisation (default 0); the same seed gives the same result. */
  seed?: number;
  /** Lloyd iterations at most (default 25). */
  maxIter?: number;
  /** Stop when the relative decrease of the inertia falls below this (default 1e-5). */
  tol?: number;
}

/** A fitted codebook. */
export interface KMeansResult {
  k: number;
  dim: number;
  /** [k × dim] */
  centroids: Float32Array;
  /** Nearest centroid of each point [n]. */
  assignments: Int32Array;
  /** Sum of squared distances of the points to their centroids. */
  inertia: number;
  iterations: number;
}

function sqDist(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) {
    const d = a[ao + j] - b[bo + j];
    s += d * d;
  }
  return s;
}

/**
 * Index of the nearest centroid of every point (squared Euclidean distance, ties to the lower
 * index) and the total squared distance.
 *
 * @example
 * ```ts
 * const { assignments } = nearestCentroids(points, 49, codebook.centroids);
 * ```
 */
export function nearestCentroids(
  points: Float32Array,
  dim: number,
  centroids: Float32Array,
): { assignments: Int32Array; inertia: number } {
  if (!(dim > 0) || points.length % dim !== 0 || centroids.length % dim !== 0 || centroids.length === 0)
    throw new Error(
      `nearestCentroids: points (${points.length}) and centroids (${centroids.length}) must be non-empty multiples of dim ${dim}`,
    );
  const n = points.length / dim;
  const k = centroids.length / dim;
  const assignments = new Int32Array(n);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const d = sqDist(points, i * dim, centroids, c * dim, dim);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    assignments[i] = best;
    inertia += bestD;
  }
  return { assignments, inertia };
}

/**
 * k-means (Lloyd) with seeded k-means++ initialisation, in plain TypeScript and deterministic per
 * seed. An empty cluster is re-seeded with the point farthest from its centroid.
 *
 * @param points [n × dim] row-major
 * @example
 * ```ts
 * const codebook = kmeans(patches, 49, 64, { seed: 0 });
 * codebook.centroids; // Float32Array [64 × 49]
 * ```
 */
export function kmeans(points: Float32Array, dim: number, k: number, o: KMeansOptions = {}): KMeansResult {
  if (!Number.isInteger(dim) || dim < 1 || points.length % dim !== 0)
    throw new Error(`kmeans: points length ${points.length} is not a multiple of dim ${dim}`);
  const n = points.length / dim;
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new Error(`kmeans: k must be an integer in [1, n=${n}], got ${k}`);
  const maxIter = o.maxIter ?? 25;
  const tol = o.tol ?? 1e-5;
  const rng = makeRng(((o.seed ?? 0) * 2654435761) >>> 0);
  const centroids = new Float32Array(k * dim);
  // k-means++: first centre uniform, then proportional to the squared distance to the nearest centre.
  const first = Math.floor(rng() * n);
  centroids.set(points.subarray(first * dim, (first + 1) * dim), 0);
  const nearest = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], sqDist(points, i * dim, centroids, (c - 1) * dim, dim));
      total += nearest[i];
    }
    let pick = n - 1;
    if (total > 0) {
      let u = rng() * total;
      for (let i = 0; i < n; i++) {
        u -= nearest[i];
        if (u < 0) {
          pick = i;
          break;
        }
      }
    } else {
      pick = Math.floor(rng() * n);
    }
    centroids.set(points.subarray(pick * dim, (pick + 1) * dim), c * dim);
  }
  let { assignments, inertia } = nearestCentroids(points, dim, centroids);
  let iterations = 0;
  const sums = new Float64Array(k * dim);
  const counts = new Int32Array(k);
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignments[i];
      counts[c]++;
      for (let j = 0; j < dim; j++) sums[c * dim + j] += points[i * dim + j];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) {
        for (let j = 0; j < dim; j++) centroids[c * dim + j] = sums[c * dim + j] / counts[c];
        continue;
      }
      let far = 0;
      let farD = -1;
      for (let i = 0; i < n; i++) {
        const d = sqDist(points, i * dim, centroids, assignments[i] * dim, dim);
        if (d > farD) {
          farD = d;
          far = i;
        }
      }
      centroids.set(points.subarray(far * dim, (far + 1) * dim), c * dim);
    }
    const next = nearestCentroids(points, dim, centroids);
    const improved = inertia - next.inertia;
    assignments = next.assignments;
    const prev = inertia;
    inertia = next.inertia;
    if (improved <= tol * Math.max(prev, 1e-12)) break;
  }
  return { k, dim, centroids, assignments, inertia, iterations };
}
