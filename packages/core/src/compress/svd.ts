/** A thin SVD `a = u · diag(s) · vᵀ` of a row-major [rows, cols] matrix, in float64 on the host. */
export interface ThinSvd {
  rows: number;
  cols: number;
  /** p = min(rows, cols): the number of singular triplets. */
  p: number;
  /** Left singular vectors [rows, p], row-major. */
  u: Float64Array;
  /** Singular values [p], descending. */
  s: Float64Array;
  /** Right singular vectors [cols, p], row-major. */
  v: Float64Array;
}
// For a zero singular value one of the two vectors (the one of the longer side) is left 0; every
// other column of u and v is a unit vector, orthogonal to the others.

const MAX_SWEEPS = 60;
const TOLERANCE = 1e-14;

/**
 * The thin SVD of a row-major [rows, cols] matrix by one-sided Jacobi (Hestenes 1958; Demmel &
 * Veselić 1992, "Jacobi's method is more accurate than QR"): column pairs of the taller side are
 * rotated until all are orthogonal, in float64. tfjs has no SVD kernel, and the matrices of an
 * expert bank are small (D, H ≤ 512), where O(sweeps · min² · max) on the host is fast enough.
 *
 * @example
 * ```ts
 * const { u, s, v, p } = svd(w1Data, dim, hidden); // w1 ≈ u · diag(s) · vᵀ
 * ```
 */
export function svd(a: ArrayLike<number>, rows: number, cols: number): ThinSvd {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows >= 1 && cols >= 1)) {
    throw new Error(`svd: rows and cols must be positive integers, got [${rows}, ${cols}]`);
  }
  if (a.length !== rows * cols) {
    throw new Error(`svd: ${a.length} values for a [${rows}, ${cols}] matrix`);
  }
  if (rows >= cols) return jacobi(a, rows, cols, false);
  const t = jacobi(a, cols, rows, true);
  return { rows, cols, p: t.p, u: t.v, s: t.s, v: t.u };
}

/** One-sided Jacobi on the n columns (length m ≥ n) of `a` or, with `transposed`, of `aᵀ`. */
function jacobi(a: ArrayLike<number>, m: number, n: number, transposed: boolean): ThinSvd {
  // w holds the working columns contiguously: w[j*m + i] = M[i, j].
  const w = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) w[j * m + i] = transposed ? a[j * m + i] : a[i * n + j];
  }
  const vc = new Float64Array(n * n);
  for (let j = 0; j < n; j++) vc[j * n + j] = 1;
  const sq = new Float64Array(n); // squared column norms, recomputed each sweep, updated per rotation
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    for (let j = 0; j < n; j++) sq[j] = dot(w, j * m, j * m, m);
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const gamma = dot(w, p * m, q * m, m);
        if (Math.abs(gamma) <= TOLERANCE * Math.sqrt(sq[p] * sq[q])) continue;
        rotated = true;
        const zeta = (sq[q] - sq[p]) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(w, p * m, q * m, m, c, s);
        rotate(vc, p * n, q * n, n, c, s);
        sq[p] -= t * gamma;
        sq[q] += t * gamma;
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += w[j * m + i] ** 2;
    return Math.sqrt(sum);
  });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y] - norms[x] || x - y);
  const u = new Float64Array(m * n);
  const s = new Float64Array(n);
  const v = new Float64Array(n * n);
  order.forEach((j, k) => {
    s[k] = norms[j];
    for (let i = 0; i < m; i++) u[i * n + k] = norms[j] > 0 ? w[j * m + i] / norms[j] : 0;
    for (let i = 0; i < n; i++) v[i * n + k] = vc[j * n + i];
  });
  return { rows: m, cols: n, p: n, u, s, v };
}

function dot(x: Float64Array, p: number, q: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i++) sum += x[p + i] * x[q + i];
  return sum;
}

function rotate(x: Float64Array, p: number, q: number, len: number, c: number, s: number): void {
  for (let i = 0; i < len; i++) {
    const xp = x[p + i];
    const xq = x[q + i];
    x[p + i] = c * xp - s * xq;
    x[q + i] = s * xp + c * xq;
  }
}

/** A rank-r factorisation `a ≈ left · right`, both float32 row-major. */
export interface LowRankFactors {
  /** `u_r · diag(s_r)` [rows, rank]. */
  left: Float32Array;
  /** `v_rᵀ` [rank, cols]. */
  right: Float32Array;
}

/**
 * The best rank-`rank` approximation of a row-major [rows, cols] matrix in the Frobenius norm
 * (Eckart & Young 1936): the truncated SVD split as `(u_r · diag(s_r)) · v_rᵀ`. A rank above
 * min(rows, cols) pads with zero components, so the product is then exact (to rounding).
 *
 * @example
 * ```ts
 * const { left, right } = lowRankFactors(w1Data, 64, 128, 16); // [64, 16] · [16, 128]
 * ```
 */
export function lowRankFactors(
  a: ArrayLike<number>,
  rows: number,
  cols: number,
  rank: number,
): LowRankFactors {
  if (!(Number.isInteger(rank) && rank >= 1))
    throw new Error(`lowRankFactors: rank must be a positive integer, got ${rank}`);
  const { u, s, v, p } = svd(a, rows, cols);
  const kept = Math.min(rank, p);
  const left = new Float32Array(rows * rank);
  const right = new Float32Array(rank * cols);
  for (let k = 0; k < kept; k++) {
    for (let i = 0; i < rows; i++) left[i * rank + k] = u[i * p + k] * s[k];
    for (let j = 0; j < cols; j++) right[k * cols + j] = v[j * p + k];
  }
  return { left, right };
}
