import { svd } from '../../compress/svd';
import { tf } from '../../tf';
import type { FfnExperts } from './ffn-bank';
import { matMul, mpoEntryOrder, mpoFromDense, tensorTrain } from './mpo';
import { MpoExperts, type MpoBankOptions } from './mpo-bank';

/** How to decompose trained FFN experts: the MPO layout and gradient mask, plus the fit's sweeps. */
export type MpoFromFfnOptions = Omit<
  MpoBankOptions,
  'numExperts' | 'dim' | 'hidden' | 'activation' | 'shareCentral'
> & {
  /** Alternating least-squares sweeps fitting each expert's auxiliary cores (default 4). */
  sweeps?: number;
};

const product = (xs: readonly number[]): number => xs.reduce((p, x) => p * x, 1);

/**
 * MPO experts (MPOE, Gao et al. 2022, arXiv:2203.01104) initialised from trained FFN experts:
 * for each weight, the central core is that of the experts' mean (its MPO by successive SVDs in
 * mixed canonical form, so the shared core carries the singular values), and each expert's
 * auxiliary cores are fitted to its own weight with the central core fixed, by alternating least
 * squares on the left block (the cores before the centre, contracted) and the right block, each
 * block then split back into cores by successive SVDs. Biases are copied. Experts that are all
 * the same (an FFN upcycled as MPOE does) are reproduced exactly at full bond dimension; distinct
 * experts only approximately, since they share one central core.
 *
 * @example
 * ```ts
 * const mpo = await mpoExpertsFromFfn(layer.experts as FfnExperts, { cores: 3, bondDim: 16 });
 * const moe = new RebankedMoELayer(layer, mpo);
 * ```
 */
export async function mpoExpertsFromFfn(
  ffn: FfnExperts,
  options: MpoFromFfnOptions = {},
): Promise<MpoExperts> {
  const { sweeps = 4, ...layoutOptions } = options;
  if (!(Number.isInteger(sweeps) && sweeps >= 0 && sweeps <= 100)) {
    throw new Error(`mpoExpertsFromFfn: sweeps must be an integer in [0, 100], got ${sweeps}`);
  }
  const bank = new MpoExperts({
    ...layoutOptions,
    numExperts: ffn.numExperts,
    dim: ffn.dim,
    hidden: ffn.hidden,
    activation: ffn.activation,
  });
  for (const [name, source] of [
    ['w1', ffn.w1],
    ['w2', ffn.w2],
  ] as const) {
    const values = await source.data();
    const fitted = fitWeight(bank, name, values, sweeps);
    const cores = name === 'w1' ? bank.w1Cores : bank.w2Cores;
    cores.forEach((v, k) => tf.tidy(() => v.assign(tf.tensor(fitted[k], v.shape, 'float32'))));
  }
  tf.tidy(() => {
    bank.b1.assign(ffn.b1);
    bank.b2.assign(ffn.b2);
  });
  return bank;
}

/** Core values of one weight for the bank's variables: shared central, auxiliaries stacked over experts. */
function fitWeight(
  bank: MpoExperts,
  name: 'w1' | 'w2',
  values: ArrayLike<number>,
  sweeps: number,
): Float32Array[] {
  const { numExperts: e, cores: n, central: c } = bank;
  const shapes = Array.from({ length: n }, (_, k) => bank.coreShape(name, k));
  const rowFactors = shapes.map((s) => s[1]);
  const colFactors = shapes.map((s) => s[2]);
  const bonds = [...shapes.map((s) => s[0]), 1];
  const modes = shapes.map((s) => s[1] * s[2]);
  const size = product(rowFactors) * product(colFactors);
  const expert = (x: number) => Float64Array.from({ length: size }, (_, q) => values[x * size + q]);
  const mean = new Float64Array(size);
  for (let x = 0; x < e; x++) expert(x).forEach((v, q) => (mean[q] += v / e));
  // The largest bond caps every bond exactly as the bank's bondDim does (see mpoBonds).
  const meanMpo = mpoFromDense(mean, rowFactors, colFactors, Math.max(...bonds));
  const central = meanMpo.cores[c];
  const order = mpoEntryOrder(rowFactors, colFactors);
  const [pl, m, pr] = [product(modes.slice(0, c)), modes[c], product(modes.slice(c + 1))];
  const [dl, dr] = [bonds[c], bonds[c + 1]];
  const meanLeft = contract(meanMpo.cores.slice(0, c), bonds.slice(0, c + 1));
  const meanRight = contract(meanMpo.cores.slice(c + 1), bonds.slice(c + 1));
  const out = shapes.map((s, k) => new Float32Array((k === c ? 1 : e) * product(s)));
  out[c].set(central);
  for (let x = 0; x < e; x++) {
    const dense = expert(x);
    const chain = new Float64Array(size);
    for (let q = 0; q < size; q++) chain[order[q]] = dense[q];
    let left = meanLeft;
    let right = meanRight;
    for (let s = 0; s < sweeps; s++) {
      const g = matMul(central, right, dl * m, dr, pr); // [dl, m·pr]
      left = solveRight(chain, pl, m * pr, g, dl);
      const h = matMul(left, central, pl, dl, m * dr); // [pl·m, dr]
      right = solveLeft(h, pl * m, dr, chain, pr);
    }
    const leftCores = splitLeft(left, modes.slice(0, c), dl, bonds.slice(0, c + 1));
    const rightCores = splitRight(right, modes.slice(c + 1), dr, bonds.slice(c + 1));
    [...leftCores, undefined, ...rightCores].forEach((core, k) => {
      if (core) out[k].set(core, x * core.length);
    });
  }
  return out;
}

/** Contracts a run of cores [d_k, m_k, d_{k+1}] into [d_first·∏m, d_last]. */
function contract(cores: Float64Array[], bonds: number[]): Float64Array {
  let chain = cores[0];
  for (let k = 1; k < cores.length; k++) {
    chain = matMul(chain, cores[k], chain.length / bonds[k], bonds[k], cores[k].length / bonds[k]);
  }
  return chain;
}

/** X [p, r] minimising ‖w - X g‖ for w [p, k], g [r, k]: w · g⁺ through the SVD of g. */
function solveRight(w: Float64Array, p: number, k: number, g: Float64Array, r: number): Float64Array {
  const { u, s, v, p: q } = svd(g, r, k);
  const cutoff = 1e-12 * (s[0] ?? 0);
  const wv = matMul(w, v, p, k, q); // [p, q]
  const x = new Float64Array(p * r);
  for (let t = 0; t < q; t++) {
    if (!(s[t] > cutoff)) continue;
    for (let i = 0; i < p; i++) {
      const a = wv[i * q + t] / s[t];
      for (let j = 0; j < r; j++) x[i * r + j] += a * u[j * q + t];
    }
  }
  return x;
}

/** Y [r, c] minimising ‖w - h Y‖ for h [n, r], w [n, c]: the transposed {@link solveRight}. */
function solveLeft(h: Float64Array, n: number, r: number, w: Float64Array, c: number): Float64Array {
  return transpose(solveRight(transpose(w, n, c), c, n, transpose(h, n, r), r), c, r);
}

function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

/** Zero-pads a core [a, m, b] to [a2, m, b2]. */
function pad(core: Float64Array, [a, m, b]: number[], [a2, b2]: number[]): Float64Array {
  const out = new Float64Array(a2 * m * b2);
  for (let i = 0; i < a; i++) {
    for (let t = 0; t < m; t++)
      for (let j = 0; j < b; j++) out[(i * m + t) * b2 + j] = core[(i * m + t) * b + j];
  }
  return out;
}

/** A left block [∏ modes, dl] as cores [d_k, m_k, d_{k+1}] with the bank's bonds (its last bond dl). */
function splitLeft(block: Float64Array, modes: number[], dl: number, bonds: number[]): Float64Array[] {
  const ext = [...modes, dl];
  const local = ext.map((_, k) =>
    k === 0 ? 1 : Math.min(bonds[k] ?? dl, product(ext.slice(0, k)), product(ext.slice(k))),
  );
  const cores = tensorTrain(block, ext, [...local, 1]);
  const last = cores.pop() as Float64Array; // [local[c], dl, 1]
  const c = modes.length;
  cores[c - 1] = matMul(cores[c - 1], last, local[c - 1] * modes[c - 1], local[c], dl);
  return cores.map((core, k) =>
    pad(core, [local[k], modes[k], k === c - 1 ? dl : local[k + 1]], [bonds[k], bonds[k + 1]]),
  );
}

/** A right block [dr, ∏ modes] as cores [d_k, m_k, d_{k+1}] with the bank's bonds (its first bond dr). */
function splitRight(block: Float64Array, modes: number[], dr: number, bonds: number[]): Float64Array[] {
  const ext = [dr, ...modes];
  const local = [
    ...ext.map((_, k) =>
      k === 0 ? 1 : Math.min(bonds[k - 1] ?? dr, product(ext.slice(0, k)), product(ext.slice(k))),
    ),
    1,
  ];
  const cores = tensorTrain(block, ext, local);
  const first = cores.shift() as Float64Array; // [1, dr, local[1]]
  cores[0] = matMul(first, cores[0], dr, local[1], modes[0] * local[2]);
  return cores.map((core, k) =>
    pad(core, [k === 0 ? dr : local[k + 1], modes[k], local[k + 2]], [bonds[k], bonds[k + 1]]),
  );
}
