import { lowRankFactors, makeRng, svd } from '../src';

function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  const rng = makeRng(seed);
  return Float64Array.from({ length: rows * cols }, () => rng() * 2 - 1);
}

/** u · diag(s) · vᵀ, row-major [rows, cols]. */
function reconstruct(
  u: Float64Array,
  s: Float64Array,
  v: Float64Array,
  rows: number,
  cols: number,
  p: number,
) {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      for (let k = 0; k < p; k++) sum += u[i * p + k] * s[k] * v[j * p + k];
      out[i * cols + j] = sum;
    }
  return out;
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

/** Max |xᵀy - δ| over the columns of a row-major [rows, p] matrix. */
function orthonormalityError(m: Float64Array, rows: number, p: number): number {
  let worst = 0;
  for (let a = 0; a < p; a++)
    for (let b = 0; b < p; b++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += m[i * p + a] * m[i * p + b];
      worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
    }
  return worst;
}

describe('svd (one-sided Jacobi)', () => {
  it.each([
    [7, 4],
    [4, 7],
    [12, 12],
  ])('reconstructs a random [%i, %i] matrix with orthonormal factors and sorted values', (rows, cols) => {
    const a = randomMatrix(rows, cols, rows * 31 + cols);
    const { u, s, v, p } = svd(a, rows, cols);
    expect(p).toBe(Math.min(rows, cols));
    expect(maxAbsDiff(reconstruct(u, s, v, rows, cols, p), a)).toBeLessThan(1e-12);
    expect(orthonormalityError(u, rows, p)).toBeLessThan(1e-12);
    expect(orthonormalityError(v, cols, p)).toBeLessThan(1e-12);
    for (let k = 1; k < p; k++) expect(s[k]).toBeLessThanOrEqual(s[k - 1]);
    expect(s[p - 1]).toBeGreaterThanOrEqual(0);
  });

  it('finds the known singular values of a matrix built from them', () => {
    // a = Q1 diag(5, 2, 0.5) Q2ᵀ with Q1, Q2 rotations: singular values 5, 2, 0.5.
    const c = Math.cos(0.7);
    const sn = Math.sin(0.7);
    const q1 = [c, -sn, 0, sn, c, 0, 0, 0, 1];
    const q2 = [1, 0, 0, 0, c, -sn, 0, sn, c];
    const sv = [5, 2, 0.5];
    const a = new Float64Array(9);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 3; k++) a[i * 3 + j] += q1[i * 3 + k] * sv[k] * q2[j * 3 + k];
    expect(Array.from(svd(a, 3, 3).s).map((x) => +x.toFixed(10))).toEqual([5, 2, 0.5]);
  });

  it('handles rank-deficient matrices: zero singular values, exact reconstruction', () => {
    // Rank 2: every row is a combination of two random rows.
    const basis = randomMatrix(2, 6, 9);
    const mix = randomMatrix(5, 2, 10);
    const a = new Float64Array(30);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 6; j++) a[i * 6 + j] = mix[i * 2] * basis[j] + mix[i * 2 + 1] * basis[6 + j];
    const { u, s, v, p } = svd(a, 5, 6);
    expect(s[2]).toBeLessThan(1e-12);
    expect(s[1]).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(reconstruct(u, s, v, 5, 6, p), a)).toBeLessThan(1e-12);
  });

  it('rejects a size that does not match the values', () => {
    expect(() => svd(new Float64Array(5), 2, 3)).toThrow('5 values for a [2, 3] matrix');
  });
});

describe('lowRankFactors', () => {
  it('is exact at full rank, and its error at rank r is the tail of the singular values (Eckart–Young)', () => {
    const [rows, cols] = [8, 6];
    const a = randomMatrix(rows, cols, 3);
    const { s } = svd(a, rows, cols);
    const product = (left: Float32Array, right: Float32Array, r: number) =>
      Float64Array.from({ length: rows * cols }, (_, idx) => {
        const [i, j] = [Math.floor(idx / cols), idx % cols];
        let sum = 0;
        for (let k = 0; k < r; k++) sum += left[i * r + k] * right[k * cols + j];
        return sum;
      });
    const full = lowRankFactors(a, rows, cols, 6);
    expect(maxAbsDiff(product(full.left, full.right, 6), a)).toBeLessThan(1e-6);
    const r = 3;
    const low = lowRankFactors(a, rows, cols, r);
    expect(low.left.length).toBe(rows * r);
    expect(low.right.length).toBe(r * cols);
    const approx = product(low.left, low.right, r);
    const error = Math.sqrt(approx.reduce((sum, x, i) => sum + (x - a[i]) ** 2, 0));
    const tail = Math.sqrt(Array.from(s.subarray(r)).reduce((sum, x) => sum + x * x, 0));
    expect(error).toBeCloseTo(tail, 5);
    expect(error).toBeGreaterThan(0.1);
  });

  it('pads a rank above min(rows, cols) with zero components', () => {
    const a = randomMatrix(3, 4, 5);
    const { left, right } = lowRankFactors(a, 3, 4, 5);
    expect(left.length).toBe(15);
    expect(Array.from({ length: 3 }, (_, i) => left[i * 5 + 3])).toEqual([0, 0, 0]);
    expect(Array.from(right.subarray(3 * 4))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
