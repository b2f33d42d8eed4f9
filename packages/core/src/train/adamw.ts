import { backendCapabilities } from '../backend/capabilities';
import { tf } from '../tf';
import { Module } from '../nn/module';
import { parseConfig } from '../config/parse';
import { AdamWOptionsSchema } from './options';
import type { LrSchedule } from './schedules';

/** Hyper-parameters of {@link AdamW}. */
export interface AdamWOptions {
  /** Learning rate, or a schedule of the step count (default 1e-3). */
  lr?: number | LrSchedule;
  /** First-moment decay (default 0.9). */
  beta1?: number;
  /** Second-moment decay (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay, multiplied by the learning rate (default 0.01). */
  weightDecay?: number;
  /** Parameters (by dotted name) exempt from weight decay (default {@link defaultNoDecay}). */
  noDecay?: (name: string) => boolean;
}

/** What the optimizer can be built from: a module (its trainable parameters) or named variables. */
export type NamedVariables = Module | Record<string, tf.Variable> | Iterable<[string, tf.Variable]>;

interface Slot {
  param: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
  decay: boolean;
}

/**
 * The default weight-decay exemption: biases (a last name segment ending in `bias`) and
 * normalisation weights (any segment containing `norm`, or named `ln`, `ln1`, `ln_f`, ...).
 *
 * @example
 * ```ts
 * defaultNoDecay('blocks.0.attnNorm.weight'); // true
 * defaultNoDecay('blocks.0.mlp.w1'); // false
 * ```
 */
export function defaultNoDecay(name: string): boolean {
  const parts = name.split('.');
  if (/bias$/i.test(parts[parts.length - 1])) return true;
  return parts.some((p) => /norm/i.test(p) || /^ln(\d|_|$)/i.test(p));
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter), updating named `tf.Variable`s in place.
 * Per step t (1-based) with learning rate `lr = schedule(t - 1)`:
 * `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
 * `p = p (1 - lr wd) - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)` (PyTorch's form).
 *
 * @example
 * ```ts
 * const opt = new AdamW(model, { lr: warmupCosine({ peak: 1e-3, warmupSteps: 10, totalSteps: 500 }) });
 * const { grads } = tf.variableGrads(() => loss(model)); // keyed by variable name
 * opt.step({ 'fc.w': gradOfW, 'fc.bias': gradOfB }); // keyed by dotted parameter name
 * ```
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly lr: LrSchedule;
  private readonly slots = new Map<string, Slot>();
  private t = 0;

  constructor(params: NamedVariables, options: AdamWOptions = {}) {
    const o = parseConfig(AdamWOptionsSchema, options, 'AdamW options');
    const { lr, beta1, beta2, eps, weightDecay } = o;
    const noDecay = o.noDecay ?? defaultNoDecay;
    this.lr = typeof lr === 'number' ? () => lr : lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    for (const [name, param] of namedVariables(params)) {
      if (this.slots.has(name)) throw new Error(`AdamW: parameter "${name}" is given twice`);
      this.slots.set(name, {
        param,
        m: tf.tidy(() => tf.variable(tf.zerosLike(param), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(param), false)),
        decay: weightDecay > 0 && !noDecay(name),
      });
    }
    if (this.slots.size === 0) throw new Error('AdamW: no parameters to optimize');
  }

  /** Optimizer steps taken so far. */
  get stepCount(): number {
    return this.t;
  }

  /** The learning rate the next {@link step} will use. */
  currentLr(): number {
    const lr = this.lr(this.t);
    if (!Number.isFinite(lr) || lr < 0) throw new Error(`AdamW: learning rate at step ${this.t} is ${lr}`);
    return lr;
  }

  /** The optimized variables by dotted name, in registration order. */
  namedParameters(): [string, tf.Variable][] {
    return [...this.slots].map(([name, s]) => [name, s.param]);
  }

  /** Whether weight decay applies to the named parameter. */
  decays(name: string): boolean {
    return this.slot(name, 'decays').decay;
  }

  /**
   * Applies one update. `grads` is keyed by dotted parameter name; parameters without a
   * gradient are left untouched (their moments too). The gradients are not disposed.
   */
  step(grads: Record<string, tf.Tensor>): void {
    for (const [name, g] of Object.entries(grads)) {
      const { param } = this.slot(name, 'step');
      if (!tf.util.arraysEqual(g.shape, param.shape)) {
        throw new Error(
          `AdamW.step: gradient of "${name}" has shape [${g.shape}], expected [${param.shape}]`,
        );
      }
    }
    const lr = this.currentLr();
    const t = this.t + 1;
    const stepSize = lr / (1 - this.beta1 ** t);
    const sqrtBc2 = Math.sqrt(1 - this.beta2 ** t);
    tf.tidy(() => {
      for (const [name, s] of this.slots) {
        const g = grads[name];
        if (!g) continue;
        const m = tf.add(tf.mul(s.m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(s.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        s.m.assign(m);
        s.v.assign(v);
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBc2), this.eps);
        const p = s.decay ? tf.mul(s.param, 1 - lr * this.weightDecay) : s.param;
        s.param.assign(tf.sub(p, tf.mul(tf.div(m, denom), stepSize)));
      }
    });
    this.t = t;
  }

  /**
   * Computes the gradients of `loss` for the optimizer's parameters and applies one update.
   * Returns the loss value, read back synchronously: on backends without synchronous reads
   * (webgpu) use {@link minimizeAsync}. For whole models prefer {@link Trainer}, which also adds
   * MoE aux losses, clips, guards and checkpoints.
   *
   * @example
   * ```ts
   * const opt = new AdamW(model, { lr: 1e-3 });
   * const loss = opt.minimize(() => tf.losses.meanSquaredError(target, model.forward(x)) as tf.Scalar);
   * ```
   */
  minimize(loss: () => tf.Scalar): number {
    if (!backendCapabilities().syncReadback)
      throw new Error(
        `AdamW.minimize reads the loss synchronously, which the ${tf.getBackend()} backend cannot do reliably; use await minimizeAsync(loss)`,
      );
    const value = this.update(loss);
    try {
      return value.dataSync()[0];
    } finally {
      value.dispose();
    }
  }

  /**
   * {@link minimize} with the loss read back asynchronously: works on every backend (webgpu in
   * Node and in browsers included).
   *
   * @example
   * ```ts
   * const loss = await opt.minimizeAsync(() => tf.losses.meanSquaredError(target, model.forward(x)) as tf.Scalar);
   * ```
   */
  async minimizeAsync(loss: () => tf.Scalar): Promise<number> {
    const value = this.update(loss);
    try {
      return (await value.data())[0];
    } finally {
      value.dispose();
    }
  }

  /** One update from the gradients of `loss`; returns the loss (the caller disposes it). */
  private update(loss: () => tf.Scalar): tf.Scalar {
    const named = this.namedParameters();
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        loss,
        named.map(([, v]) => v),
      );
      // A parameter the loss did not reach (a module no token was routed to) has no gradient.
      this.step(
        Object.fromEntries(named.filter(([, v]) => grads[v.name]).map(([n, v]) => [n, grads[v.name]])),
      );
      return value;
    });
  }

  /**
   * Moments (`m.<name>`, `v.<name>`) and the step count (`step`, int32 scalar) for a checkpoint.
   * The tensors are new snapshots owned by the caller (`tf.dispose` them).
   */
  state(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = { step: tf.scalar(this.t, 'int32') };
    for (const [name, s] of this.slots) {
      out[`m.${name}`] = tf.clone(s.m);
      out[`v.${name}`] = tf.clone(s.v);
    }
    return out;
  }

  /** Restores a {@link state}; every parameter's moments must be present with the right shape. */
  loadState(state: Record<string, tf.Tensor>): void {
    const step = state.step;
    if (!step || step.size !== 1) throw new Error('AdamW.loadState: missing scalar "step"');
    const t = step.dataSync()[0];
    if (!Number.isInteger(t) || t < 0) throw new Error(`AdamW.loadState: invalid step ${t}`);
    const expected = new Set(['step']);
    for (const [name, s] of this.slots) {
      for (const key of [`m.${name}`, `v.${name}`]) {
        expected.add(key);
        const x = state[key];
        if (!x) throw new Error(`AdamW.loadState: missing "${key}"`);
        if (!tf.util.arraysEqual(x.shape, s.param.shape)) {
          throw new Error(`AdamW.loadState: "${key}" has shape [${x.shape}], expected [${s.param.shape}]`);
        }
      }
    }
    const unexpected = Object.keys(state).filter((k) => !expected.has(k));
    if (unexpected.length) throw new Error(`AdamW.loadState: unexpected [${unexpected.join(', ')}]`);
    tf.tidy(() => {
      for (const [name, s] of this.slots) {
        s.m.assign(tf.cast(state[`m.${name}`], 'float32'));
        s.v.assign(tf.cast(state[`v.${name}`], 'float32'));
      }
    });
    this.t = t;
  }

  /** Frees the moment variables (not the parameters). */
  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
  }

  private slot(name: string, fn: string): Slot {
    const s = this.slots.get(name);
    if (!s) throw new Error(`AdamW.${fn}: unknown parameter "${name}"`);
    return s;
  }
}

function namedVariables(params: NamedVariables): [string, tf.Variable][] {
  if (params instanceof Module) return params.namedParameters().filter(([, v]) => v.trainable);
  if (Symbol.iterator in params) return [...(params as Iterable<[string, tf.Variable]>)];
  return Object.entries(params);
}
