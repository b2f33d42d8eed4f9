import { tf } from '../tf';
import { checkStateDict } from './state-check';
import { chargeParamBudget, checkParamBudget } from './param-budget';

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
export abstract class Module {
  /** Training mode: dropout, router noise and routing statistics are on. */
  training = true;
  private readonly ownParams = new Map<string, tf.Variable>();
  private readonly ownBuffers = new Map<string, tf.Variable>();
  private readonly ownChildren = new Map<string, Module>();

  /** Registers a trainable parameter initialised from `init` (which the module takes over). */
  protected param(name: string, init: tf.Tensor, trainable = true): tf.Variable {
    this.checkName(name);
    const v = Module.register(init, trainable);
    this.ownParams.set(name, v);
    return v;
  }

  /** Registers a non-trainable state tensor (running statistics, router biases, ...). */
  protected buffer(name: string, init: tf.Tensor): tf.Variable {
    this.checkName(name);
    const v = Module.register(init, false);
    this.ownBuffers.set(name, v);
    return v;
  }

  /** A variable taking over `init`, within the parameter budget in force (see `withParamBudget`). */
  private static register(init: tf.Tensor, trainable: boolean): tf.Variable {
    try {
      checkParamBudget(init.shape);
    } catch (e) {
      init.dispose();
      throw e;
    }
    const v = tf.variable(init, trainable);
    init.dispose();
    chargeParamBudget(v);
    return v;
  }

  /** Registers a child module under `name`. */
  protected child<M extends Module>(name: string, module: M): M {
    this.checkName(name);
    this.ownChildren.set(name, module);
    return module;
  }

  /**
   * Puts `module` in place of the child registered as `name` (same name, so the state dict keys
   * stay) and returns the child it replaced, which the caller now owns (not disposed here).
   */
  protected replaceChild<M extends Module>(name: string, module: M): Module {
    const old = this.ownChildren.get(name);
    if (!old) throw new Error(`${this.constructor.name}: no child "${name}" to replace`);
    this.ownChildren.set(name, module);
    return old;
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
   * Copies values into the parameters and buffers. Everything is checked before anything is
   * assigned: with `strict` (default) a missing or unexpected name is an error, and so is a
   * shape or dtype that differs from the parameter's (no silent casts). Errors are
   * `CheckpointError`s (`SHAPE`, `DTYPE`) naming `source`, the file the state was read from.
   */
  loadStateDict(
    state: StateDict,
    { strict = true, source }: { strict?: boolean; source?: string } = {},
  ): void {
    const own: Record<string, tf.Variable> = Object.fromEntries([
      ...this.namedParameters(),
      ...this.namedBuffers(),
    ]);
    checkStateDict(own, state, { strict, source });
    const assigned = new Set<tf.Variable>();
    for (const [name, v] of Object.entries(own)) {
      if (Object.prototype.hasOwnProperty.call(state, name)) {
        v.assign(state[name]);
        assigned.add(v);
      }
    }
    this.afterLoad(assigned);
  }

  /**
   * Called by {@link loadStateDict} on this module and every module below it, after it assigned
   * `assigned` (the variables whose values it replaced). Modules that keep a host copy of a buffer
   * (the dense-to-sparse router's step counter) override it, forget the copy when its buffer is
   * among `assigned`, and call `super.afterLoad(assigned)`.
   */
  afterLoad(assigned: ReadonlySet<tf.Variable>): void {
    for (const c of this.ownChildren.values()) c.afterLoad(assigned);
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
