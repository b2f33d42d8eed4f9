import type { z } from 'zod';
import { parseConfig } from '../../config/parse';
import { fanInUniform } from '../../nn/init';
import { requireSyncReadback } from '../../backend/readback';
import { tf } from '../../tf';
import { nextSeed } from '../../utils/random';
import { gatherRows, normalizeRows } from '../ops';
import { DenseToSparseOptionsSchema } from './options';
import { RouteResult, Router, type RouteContext } from './router';

/** Options of the router (see `DenseToSparseOptionsSchema`: strict, sizes bounded). */
export type DenseToSparseOptions = z.input<typeof DenseToSparseOptionsSchema>;

/** Uniform draws are kept inside (ε, 1 - ε) so the Gumbel noise stays finite. */
const UNIFORM_EPS = 1e-6;

/**
 * The temperature of an exponential anneal from `start` to `end` over `steps` steps, at `step`:
 * `start · (end / start)^(min(step, steps) / steps)`; `end` from `steps` on.
 *
 * @example
 * ```ts
 * annealedTemperature(0, 2, 0.3, 100); // 2
 * annealedTemperature(100, 2, 0.3, 100); // 0.3
 * ```
 */
export function annealedTemperature(step: number, start: number, end: number, steps: number): number {
  if (steps <= 0 || step >= steps) return end;
  return start * (end / start) ** (Math.max(0, step) / steps);
}

/**
 * EvoMoE's dense-to-sparse gate (Nie et al. 2021, arXiv 2112.14397): a Gumbel-softmax
 * `p = softmax((x W + g) / τ)`, `g` Gumbel(0, 1) noise in training, whose temperature τ is
 * annealed exponentially from `temperatureStart` to `temperatureEnd` over `annealSteps` optimizer
 * steps ({@link annealedTemperature}, advanced by `afterStep()`). While it anneals the gate is
 * dense: every token is sent to every expert, weighted by `p`, with experts below `threshold`
 * given no weight (a high τ makes `p` near-uniform; as τ falls the weight concentrates on fewer
 * experts); from `annealSteps` on it is a sparse top-k gate on `p` with renormalised weights.
 * The dense phase runs all E experts per token (its FLOPs are E experts', which
 * `expertsPerToken()` reports). The step counter is a buffer (saved in checkpoints) with a host
 * copy that decides the phase and the temperature: 0 at construction and advanced by
 * `afterStep()`, so training from scratch never reads the device. Only after `loadStateDict`
 * assigned the buffer (a checkpoint, a copied router) does the host read it, once, at the next
 * use: a synchronous read, which throws a `SyncReadbackError` on a backend without
 * `backendCapabilities().syncReadback` (webgpu): there, set {@link steps} to the loaded step count
 * instead (a setter with no read).
 *
 * @example
 * ```ts
 * const r = new DenseToSparseRouter({ dim: 64, numExperts: 8, k: 1, annealSteps: 500 });
 * r.route(x).assignment; // [T, 8] (dense) until 500 calls of r.afterStep(), then [T, 1]
 * ```
 */
export class DenseToSparseRouter extends Router {
  readonly weight: tf.Variable;
  /** Optimizer steps taken (float32 scalar buffer). */
  readonly step: tf.Variable;
  readonly temperatureStart: number;
  readonly temperatureEnd: number;
  readonly annealSteps: number;
  private readonly threshold: number;
  private readonly gumbel: boolean;
  private readonly dim: number;
  /** The host's copy of `step`: 0 at construction, unknown (read at the next use) after a load assigned `step`. */
  private hostStep: number | undefined = 0;

  constructor(options: DenseToSparseOptions) {
    const o = parseConfig(DenseToSparseOptionsSchema, options, 'dense-to-sparse router options');
    super(o.numExperts, o.k);
    this.dim = o.dim;
    this.temperatureStart = o.temperatureStart ?? 2;
    this.temperatureEnd = o.temperatureEnd ?? 0.3;
    this.annealSteps = o.annealSteps;
    this.threshold = o.threshold ?? 1e-3;
    this.gumbel = o.gumbel ?? true;
    this.weight = this.param('weight', fanInUniform([o.dim, o.numExperts], o.dim));
    this.step = this.buffer('step', tf.scalar(0));
  }

  /**
   * Optimizer steps taken so far: the host copy, read from the buffer (synchronously) only after a
   * state load assigned it.
   */
  get steps(): number {
    if (this.hostStep === undefined) {
      requireSyncReadback(
        'dense-to-sparse router: its step counter after a state load',
        'set router.steps to the loaded step count (the buffer "step") instead of reading it back',
      );
      this.hostStep = this.step.dataSync()[0];
    }
    return this.hostStep;
  }

  /** Sets the anneal position (buffer and host copy) to `value` optimizer steps, with no read. */
  set steps(value: number) {
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`dense-to-sparse router: steps must be a non-negative integer, got ${value}`);
    this.hostStep = value;
    tf.tidy(() => this.step.assign(tf.scalar(value)));
  }

  /** The current Gumbel-softmax temperature τ. */
  get temperature(): number {
    return annealedTemperature(this.steps, this.temperatureStart, this.temperatureEnd, this.annealSteps);
  }

  /** True once the anneal is over: the gate is top-k. */
  get sparse(): boolean {
    return this.steps >= this.annealSteps;
  }

  route(x: tf.Tensor2D, ctx: RouteContext = {}): RouteResult {
    const logits = tf.matMul(x, this.weight) as tf.Tensor2D;
    const noisy = this.training && this.gumbel ? tf.add(logits, this.gumbelNoise(logits.shape)) : logits;
    const probs = tf.softmax(tf.div(noisy, this.temperature)) as tf.Tensor2D;
    if (this.sparse) {
      const indices = this.chooseExperts(probs, this.k, ctx);
      const weights = normalizeRows(gatherRows(probs, indices));
      return { assignment: { kind: 'token', indices, weights }, logits, probs };
    }
    const [t, e] = probs.shape;
    const indices = tf.tile(tf.reshape(tf.range(0, e, 1, 'int32'), [1, e]), [t, 1]) as tf.Tensor2D;
    const kept = tf.where(tf.greaterEqual(probs, this.threshold), probs, tf.zerosLike(probs));
    const weights = normalizeRows(kept as tf.Tensor2D);
    return { assignment: { kind: 'token', indices, weights }, logits, probs };
  }

  /** Gumbel(0, 1) noise `-log(-log(u))`, u uniform in (0, 1). */
  private gumbelNoise(shape: [number, number]): tf.Tensor2D {
    const u = tf.randomUniform(shape, UNIFORM_EPS, 1 - UNIFORM_EPS, 'float32', nextSeed());
    return tf.neg(tf.log(tf.neg(tf.log(u)))) as tf.Tensor2D;
  }

  /** Advances the anneal by one optimizer step. */
  override afterStep(): void {
    super.afterStep();
    this.steps = this.steps + 1;
  }

  /** A load that assigned the step buffer leaves the host copy unknown until the next use reads it. */
  override afterLoad(assigned: ReadonlySet<tf.Variable>): void {
    super.afterLoad(assigned);
    if (assigned.has(this.step)) this.hostStep = undefined;
  }

  /** All E experts while the gate is dense, k once it is sparse. */
  override expertsPerToken(): number {
    return this.sparse ? this.k : this.numExperts;
  }

  flopsPerToken(): number {
    return 2 * this.dim * this.numExperts;
  }
}
