import type { MoEAux } from './types';

/**
 * The aux of the FFN slots (MoE layers) among a model's aux, in order: one per routed FFN layer,
 * leaving out routed attentions' (`source: 'attention'`, MoH / JetMoE attention experts).
 *
 * @example
 * ```ts
 * const { aux } = model.forward(x);
 * ffnAux(aux).forEach((a, l) => usage(model.moeLayers()[l], a.counts));
 * ```
 */
export function ffnAux(aux: readonly MoEAux[]): MoEAux[] {
  return aux.filter((a) => a.source !== 'attention');
}

/**
 * The aux of the routed attentions among a model's aux (`source: 'attention'`), in block order:
 * MoH (Jin et al. 2024, arXiv 2410.11842) over routed heads, JetMoE (Shen et al. 2024, arXiv
 * 2404.07413) over attention experts.
 *
 * @example
 * ```ts
 * const headLoads = attentionAux(model.forward(x).aux).map((a) => a.counts);
 * ```
 */
export function attentionAux(aux: readonly MoEAux[]): MoEAux[] {
  return aux.filter((a) => a.source === 'attention');
}
