import { Module } from '../nn/module';

/**
 * Implemented by every module whose per-token cost is not simply the sum of its children's:
 * routed layers (a token skips experts) and the leaves that do the arithmetic (Linear, attention).
 */
export interface CostReporter {
  /** Parameters one token leaves unused (routed experts it does not run, routers of other groups). */
  inactiveParams(): number;
  /** Forward FLOPs per token (2 per multiply-add), children included; `seqLen` for attention. */
  flopsPerToken(seqLen?: number): number;
}

/** What {@link moduleCosts} counts for a module tree. */
export interface ModuleCosts {
  /** All parameters. */
  total: number;
  /** Parameters one token uses: total minus what the routed layers let it skip. */
  active: number;
  /** Forward FLOPs per token of the modules that report them (Linear, attention, routed layers). */
  flopsPerToken: number;
}

/** True for modules implementing {@link CostReporter}. */
export function isCostReporter(m: Module): m is Module & CostReporter {
  const r = m as Partial<CostReporter>;
  return typeof r.inactiveParams === 'function' && typeof r.flopsPerToken === 'function';
}

/**
 * The one parameter / FLOP accounting: walks any module tree; a {@link CostReporter} answers for
 * its whole subtree, other modules are the sum of their children. Convolutions and other
 * per-pixel work are not per-token costs: models add those themselves.
 *
 * @example
 * ```ts
 * const { total, active, flopsPerToken } = moduleCosts(model, seqLen);
 * ```
 */
export function moduleCosts(module: Module, seqLen?: number): ModuleCosts {
  const walk = (m: Module): { inactive: number; flops: number } => {
    if (isCostReporter(m)) return { inactive: m.inactiveParams(), flops: m.flopsPerToken(seqLen) };
    return m.namedChildren().reduce(
      (s, [, c]) => {
        const r = walk(c);
        return { inactive: s.inactive + r.inactive, flops: s.flops + r.flops };
      },
      { inactive: 0, flops: 0 },
    );
  };
  const total = module.countParams();
  const { inactive, flops } = walk(module);
  return { total, active: total - inactive, flopsPerToken: flops };
}
