import { MoELayer } from '../moe/layer';
import { Module } from '../nn/module';

function moeLayersOf(module: Module): MoELayer[] {
  if (module instanceof MoELayer) return [module];
  return module.namedChildren().flatMap(([, c]) => moeLayersOf(c));
}

/**
 * Total parameters and the parameters one token (sample) actually uses: everything except the
 * routed experts each MoE layer skips. Works on any module tree containing {@link MoELayer}s.
 *
 * @example
 * ```ts
 * const { total, active } = parameterCounts(model);
 * ```
 */
export function parameterCounts(module: Module): { total: number; active: number } {
  const total = module.countParams();
  const skipped = moeLayersOf(module).reduce((s, m) => s + m.countParams() - m.activeParams(), 0);
  return { total, active: total - skipped };
}
