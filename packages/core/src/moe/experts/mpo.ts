/**
 * Matrix product operators (MPO) on the host, in float64: the layout of a matrix W [I, J] with
 * I = i_1 ··· i_n and J = j_1 ··· j_n as a chain of n cores T_k [d_{k-1}, i_k, j_k, d_k]
 * (d_0 = d_n = 1), its decomposition by successive SVDs and its reconstruction. The MPO experts of
 * MPOE (Gao et al. 2022, arXiv:2203.01104) are built on it.
 */
import { svd } from '../../compress/svd';

/** The shape of an MPO: the row and column factors and the n + 1 bond dimensions. */
export interface MpoLayout {
  rowFactors: number[];
  colFactors: number[];
  /** d_0 … d_n, with d_0 = d_n = 1. */
  bonds: number[];
}

/** The cores of one MPO, each row-major [d_{k-1}, i_k, j_k, d_k]. */
export interface Mpo extends MpoLayout {
  cores: Float64Array[];
}

const product = (xs: readonly number[]): number => xs.reduce((p, x) => p * x, 1);

/** Index of the central core of an n-core chain, (n - 1) / 2. */
export function centralCore(cores: number): number {
  return (cores - 1) / 2;
}

/**
 * Bond dimensions d_k = min(bondDim, ∏_{m≤k} i_m j_m, ∏_{m>k} i_m j_m): the largest an exact MPO
 * needs, capped by `bondDim` (none: exact).
 *
 * @example
 * ```ts
 * mpoBonds([2, 4, 2], [2, 8, 2]); // [1, 4, 4, 1]
 * ```
 */
export function mpoBonds(rowFactors: number[], colFactors: number[], bondDim = Infinity): number[] {
  const modes = rowFactors.map((r, k) => r * colFactors[k]);
  return chainBonds(modes, bondDim);
}

function chainBonds(modes: number[], bondDim: number): number[] {
  const n = modes.length;
  return Array.from({ length: n + 1 }, (_, k) =>
    k === 0 || k === n ? 1 : Math.min(bondDim, product(modes.slice(0, k)), product(modes.slice(k))),
  );
}

/**
 * `size` as `cores` factors, balanced (prime factors go to the smallest slot, largest first) and
 * placed largest in the centre, then alternately left and right of it, as the MPOE paper's
 * layouts ([4, 4, 8, 6, 4] for 3072) put the central tensor on the largest factor.
 *
 * @example
 * ```ts
 * balancedFactors(64, 3); // [4, 4, 4]
 * balancedFactors(96, 5); // [2, 2, 4, 3, 2]
 * ```
 */
export function balancedFactors(size: number, cores: number): number[] {
  const primes: number[] = [];
  let rest = size;
  for (let p = 2; p * p <= rest; p++) {
    while (rest % p === 0) {
      primes.push(p);
      rest /= p;
    }
  }
  if (rest > 1) primes.push(rest);
  const slots = new Array<number>(cores).fill(1);
  for (const p of primes.sort((a, b) => b - a)) {
    let smallest = 0;
    for (let s = 1; s < cores; s++) if (slots[s] < slots[smallest]) smallest = s;
    slots[smallest] *= p;
  }
  slots.sort((a, b) => b - a);
  const c = centralCore(cores);
  const out = new Array<number>(cores);
  slots.forEach((f, rank) => {
    const offset = Math.ceil(rank / 2);
    out[rank % 2 === 1 ? c - offset : c + offset] = f;
  });
  return out;
}

/**
 * For each entry r·J + c of W [I, J], its index in the chain's natural order
 * (i_1, j_1, i_2, j_2, …, i_n, j_n), row-major: contracting the cores left to right yields W's
 * entries in that order, and gathering it with this permutation yields W row-major.
 */
export function mpoEntryOrder(rowFactors: number[], colFactors: number[]): Int32Array {
  const n = rowFactors.length;
  const rows = product(rowFactors);
  const cols = product(colFactors);
  const order = new Int32Array(rows * cols);
  const ri = new Array<number>(n);
  const ci = new Array<number>(n);
  for (let r = 0; r < rows; r++) {
    let x = r;
    for (let k = n - 1; k >= 0; k--) {
      ri[k] = x % rowFactors[k];
      x = Math.floor(x / rowFactors[k]);
    }
    for (let c = 0; c < cols; c++) {
      let y = c;
      for (let k = n - 1; k >= 0; k--) {
        ci[k] = y % colFactors[k];
        y = Math.floor(y / colFactors[k]);
      }
      let q = 0;
      for (let k = 0; k < n; k++) q = (q * rowFactors[k] + ri[k]) * colFactors[k] + ci[k];
      order[r * cols + c] = q;
    }
  }
  return order;
}

/**
 * Tensor-train SVD (Oseledets 2011) of a row-major tensor with the given mode sizes: successive
 * SVDs from the left, keeping `bonds[k]` singular triplets at bond k; cores [d_{k-1}, m_k, d_k].
 * The cores left of the last are left-orthonormal; the last carries the singular values.
 */
export function tensorTrain(data: ArrayLike<number>, modes: number[], bonds: number[]): Float64Array[] {
  const cores: Float64Array[] = [];
  let rest = Float64Array.from(data);
  for (let k = 0; k < modes.length - 1; k++) {
    const rows = bonds[k] * modes[k];
    const cols = rest.length / rows;
    const { u, s, v, p } = svd(rest, rows, cols);
    const r = bonds[k + 1];
    const core = new Float64Array(rows * r);
    const next = new Float64Array(r * cols);
    for (let t = 0; t < Math.min(r, p); t++) {
      for (let i = 0; i < rows; i++) core[i * r + t] = u[i * p + t];
      for (let j = 0; j < cols; j++) next[t * cols + j] = s[t] * v[j * p + t];
    }
    cores.push(core);
    rest = next;
  }
  cores.push(rest);
  return cores;
}

/**
 * The MPO of a row-major matrix a [I, J] by successive SVDs (Gao et al. 2022, arXiv:2203.01104,
 * section 3.1; tensor-train SVD, Oseledets 2011), with bonds capped at `bondDim` (none: exact to
 * rounding). The result is in mixed canonical form about the central core: cores left of it are
 * left-orthonormal, cores right of it right-orthonormal, so the central core carries the
 * singular values — the "core information" MPOE shares across experts.
 *
 * @example
 * ```ts
 * const mpo = mpoFromDense(w, [4, 4, 4], [4, 8, 4]); // w [64, 128] as 3 cores
 * mpoToDense(mpo); // w again
 * ```
 */
export function mpoFromDense(
  a: ArrayLike<number>,
  rowFactors: number[],
  colFactors: number[],
  bondDim = Infinity,
): Mpo {
  const rows = product(rowFactors);
  const cols = product(colFactors);
  if (rowFactors.length !== colFactors.length || rowFactors.length < 1) {
    throw new Error(`mpoFromDense: ${rowFactors.length} row factors and ${colFactors.length} column factors`);
  }
  if (a.length !== rows * cols) {
    throw new Error(`mpoFromDense: ${a.length} values for a [${rows}, ${cols}] matrix`);
  }
  const order = mpoEntryOrder(rowFactors, colFactors);
  const chain = new Float64Array(a.length);
  for (let q = 0; q < a.length; q++) chain[order[q]] = a[q];
  const bonds = mpoBonds(rowFactors, colFactors, bondDim);
  const modes = rowFactors.map((r, k) => r * colFactors[k]);
  const cores = tensorTrain(chain, modes, bonds);
  moveNormLeft(cores, modes, bonds, centralCore(modes.length));
  return { rowFactors: [...rowFactors], colFactors: [...colFactors], bonds, cores };
}

/**
 * Right-orthonormalises cores n-1 … c+1 (SVD of each core as [d_{k-1}, m_k d_k], the core becoming
 * the right singular vectors and U·S moving into core k-1), so core c carries the norm.
 */
function moveNormLeft(cores: Float64Array[], modes: number[], bonds: number[], c: number): void {
  for (let k = cores.length - 1; k > c; k--) {
    const rows = bonds[k];
    const cols = modes[k] * bonds[k + 1];
    const { u, s, v, p } = svd(cores[k], rows, cols);
    const core = new Float64Array(rows * cols);
    for (let t = 0; t < p; t++) for (let j = 0; j < cols; j++) core[t * cols + j] = v[j * p + t];
    cores[k] = core;
    const us = new Float64Array(rows * rows);
    for (let i = 0; i < rows; i++) for (let t = 0; t < p; t++) us[i * rows + t] = u[i * p + t] * s[t];
    cores[k - 1] = matMul(cores[k - 1], us, cores[k - 1].length / rows, rows, rows);
  }
}

/** The row-major matrix W [I, J] an MPO stands for (the chain contracted on the host). */
export function mpoToDense(mpo: Mpo): Float64Array {
  const { rowFactors, colFactors, bonds, cores } = mpo;
  let chain = cores[0];
  for (let k = 1; k < cores.length; k++) {
    chain = matMul(chain, cores[k], chain.length / bonds[k], bonds[k], cores[k].length / bonds[k]);
  }
  const order = mpoEntryOrder(rowFactors, colFactors);
  return Float64Array.from(order, (q) => chain[q]);
}

/** Row-major a [m, k] · b [k, n]. */
export function matMul(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let t = 0; t < k; t++) {
      const x = a[i * k + t];
      if (x === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += x * b[t * n + j];
    }
  }
  return out;
}
