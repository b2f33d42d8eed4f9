import { tf } from '../tf';

/** Tensors by stable dotted name, e.g. `blocks.1.moe.experts.w1`. */
export type StateDict = Record<string, tf.Tensor>;

/**
 * Base class of every layer and model, shaped like a PyTorch module: it owns named
 * `tf.Variable`s (trainable parameters and non-trainable buffers), has named children, a
 * `training` flag, and a state dict with stable dotted names. Forward methods are synchronous
 * and safe inside `tf.tidy`.
 *
 * @example
 * ```ts
 * class Affine extends Module {
 *   readonly w = this.param('w', tf.ones([4]));
 *   forward(x: tf.Tensor) { return tf.mul(x, this.w); }
 * }
 * ```
 */
/** Names shown in an error: the first few, then how many more (a hostile file can hold 200k). */
function listSome(names: string[], shown = 8): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head}, ... ${names.length - shown} more` : head;
}

export abstract class Module {
  /** Training mode: dropout, router noise and routing statistics are on. */
  training = true;
  private readonly ownParams = new Map<string, tf.Variable>();
  private readonly ownBuffers = new Map<string, tf.Variable>();
  private readonly ownChildren = new Map<string, Module>();

  /** Registers a trainable parameter initialised from `init` (which the module takes over). */
  protected param(name: string, init: tf.Tensor, trainable = true): tf.Variable {
    this.checkName(name);
    const v = tf.variable(init, trainable);
    init.dispose();
    this.ownParams.set(name, v);
    return v;
  }

  /** Registers a non-trainable state tensor (running statistics, router biases, ...). */
  protected buffer(name: string, init: tf.Tensor): tf.Variable {
    this.checkName(name);
    const v = tf.variable(init, false);
    init.dispose();
    this.ownBuffers.set(name, v);
    return v;
  }

  /** Registers a child module under `name`. */
  protected child<M extends Module>(name: string, module: M): M {
    this.checkName(name);
    this.ownChildren.set(name, module);
    return module;
  }

  /** Registers a list of children as `name.0`, `name.1`, ... */
  protected childList<M extends Module>(name: string, modules: M[]): M[] {
    modules.forEach((m, i) => this.child(`${name}.${i}`, m));
    return modules;
  }

  private checkName(name: string): void {
    if (this.ownParams.has(name) || this.ownBuffers.has(name) || this.ownChildren.has(name)) {
      throw new Error(`${this.constructor.name}: "${name}" is registered twice`);
    }
  }

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    return [...this.ownChildren.entries()];
  }

  /** Every parameter (trainable or frozen) below this module, by dotted name. */
  namedParameters(prefix = ''): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [n, v] of this.ownParams) out.push([prefix + n, v]);
    for (const [n, c] of this.ownChildren) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  /** Every buffer below this module, by dotted name. */
  namedBuffers(prefix = ''): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [n, v] of this.ownBuffers) out.push([prefix + n, v]);
    for (const [n, c] of this.ownChildren) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Trainable parameters, the ones an optimizer updates. */
  parameters(): tf.Variable[] {
    return this.namedParameters()
      .map(([, v]) => v)
      .filter((v) => v.trainable);
  }

  /** Freezes (or unfreezes) every parameter below this module. */
  setTrainable(trainable: boolean): this {
    for (const [, v] of this.namedParameters()) v.trainable = trainable;
    return this;
  }

  /** Parameters and buffers by dotted name. The tensors are the live variables: do not dispose. */
  stateDict(): StateDict {
    return Object.fromEntries([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into the parameters and buffers. With `strict` (default) a missing or
   * unexpected name, or a shape mismatch, is an error naming the tensor.
   */
  loadStateDict(state: StateDict, { strict = true }: { strict?: boolean } = {}): void {
    const own: Record<string, tf.Variable> = Object.fromEntries([
      ...this.namedParameters(),
      ...this.namedBuffers(),
    ]);
    if (strict) {
      const missing = Object.keys(own).filter((k) => !(k in state));
      const unexpected = Object.keys(state).filter((k) => !(k in own));
      if (missing.length || unexpected.length) {
        throw new Error(
          `loadStateDict: missing [${listSome(missing)}], unexpected [${listSome(unexpected)}]`,
        );
      }
    }
    for (const [name, v] of Object.entries(own)) {
      const t = state[name];
      if (!t) continue;
      if (!tf.util.arraysEqual(t.shape, v.shape)) {
        throw new Error(`loadStateDict: "${name}" has shape [${t.shape}], expected [${v.shape}]`);
      }
      tf.tidy(() => v.assign(t.dtype === v.dtype ? t : tf.cast(t, v.dtype)));
    }
  }

  /** Sets training mode on this module and all children. */
  train(on = true): this {
    this.training = on;
    for (const c of this.ownChildren.values()) c.train(on);
    return this;
  }

  /** Sets evaluation mode (no dropout, no noise, no routing statistics updates). */
  eval(): this {
    return this.train(false);
  }

  /**
   * Called by the trainer after every optimizer step, outside the gradient: modules with state
   * updated by rule rather than by gradient (e.g. the loss-free balancing bias) override it and
   * call `super.afterStep()`.
   */
  afterStep(): void {
    for (const c of this.ownChildren.values()) c.afterStep();
  }

  /** Number of scalar parameters (trainable only with `trainableOnly`). Buffers are not counted. */
  countParams(trainableOnly = false): number {
    return this.namedParameters()
      .filter(([, v]) => !trainableOnly || v.trainable)
      .reduce((s, [, v]) => s + v.size, 0);
  }

  /** Frees every variable below this module. */
  dispose(): void {
    for (const [, v] of [...this.namedParameters(), ...this.namedBuffers()]) v.dispose();
  }
}
