import type { RouterConfig } from '../config/moe';
import { ConfigError, parseConfig } from '../config/parse';
import { MoELayer } from '../moe/layer';
import type { StateDict } from '../nn/module';
import { tf } from '../tf';
import type { ExpertCalibration } from './calibration';
import { PruneSelectionSchema, type PruneSelection } from './options';

/** A pruned layer and the source experts it kept: new expert i is source expert `kept[i]`. */
export interface PrunedLayer {
  layer: MoELayer;
  kept: number[];
}

/**
 * Router kinds whose expert axis is the last axis of their parameters and buffers (scalars, such
 * as the bias's centred flag, are copied): for `mlp` only the output projection is per expert.
 */
const PER_EXPERT_ROUTER_PARAMS: Partial<Record<RouterConfig['type'], (name: string) => boolean>> = {
  softmax: () => true,
  noisy: () => true,
  'sigmoid-loss-free': () => true,
  'normalized-softmax': () => true,
  uncertainty: () => true,
  balanced: () => true,
  'dense-to-sparse': () => true,
  'expert-choice': () => true,
  mlp: (name) => name === 'w2',
};

/**
 * The `count` experts ranked best by a calibration statistic (ties: the lower id), ascending.
 *
 * @example
 * ```ts
 * selectExperts(await calibrateExperts(moe, tokens), { count: 4, by: 'usage' }); // e.g. [0, 2, 5, 7]
 * ```
 */
export function selectExperts(
  stats: ExpertCalibration,
  { count, by }: { count: number; by: 'usage' | 'saliency' },
): number[] {
  const score = stats[by];
  if (count > score.length) {
    throw new ConfigError('prune selection', [
      { path: 'count', message: `keeps ${count} of ${score.length} experts` },
    ]);
  }
  return score
    .map((_, i) => i)
    .sort((a, b) => score[b] - score[a] || a - b)
    .slice(0, count)
    .sort((a, b) => a - b);
}

/**
 * Expert pruning of a trained MoE layer (task-agnostic expert pruning, Lu et al. 2024, "Not All
 * Experts are Equal", arXiv:2402.14800; here by a calibration statistic rather than their
 * enumeration): a NEW layer whose bank holds only the kept experts and whose router has the
 * removed experts' logit columns (weights, bias) dropped, so a softmax router renormalises over
 * the remaining experts by itself and never picks a removed one. The source layer is untouched;
 * the new one has its own variables, and its training mode.
 *
 * `keep` lists expert ids (sorted and deduplicated), or asks for the `count` best by `usage` or
 * `saliency` of `stats` ({@link calibrateExperts}). Parameters drop by exactly
 * `removed · (paramsPerExpert + router values per expert)`. Routers whose scores are not a
 * per-expert projection (hash, recurrent) are refused, naming `router.type`.
 *
 * @example
 * ```ts
 * const stats = await calibrateExperts(moe, tokens);
 * const { layer, kept } = pruneExperts(moe, { count: 6, by: 'saliency' }, stats);
 * ```
 */
export function pruneExperts(source: MoELayer, keep: PruneSelection, stats?: ExpertCalibration): PrunedLayer {
  const selection = parseConfig(PruneSelectionSchema, keep, 'prune selection');
  const c = source.config;
  const e = c.numExperts;
  let kept: number[];
  if (Array.isArray(selection)) {
    kept = [...new Set(selection)].sort((a, b) => a - b);
  } else {
    if (!stats)
      throw new ConfigError('prune selection', [{ path: 'by', message: 'needs calibration stats' }]);
    if (stats.counts.length !== e) {
      throw new ConfigError('prune selection', [
        { path: 'stats', message: `are for ${stats.counts.length} experts, the layer has ${e}` },
      ]);
    }
    kept = selectExperts(stats, selection);
  }
  const outside = kept.filter((i) => i >= e);
  if (outside.length > 0) {
    throw new ConfigError('prune selection', [
      { path: 'keep', message: `experts [${outside}] do not exist (numExperts ${e})` },
    ]);
  }
  if (kept.length < c.topK) {
    throw new ConfigError('prune selection', [
      { path: 'keep', message: `keeps ${kept.length} experts, fewer than topK ${c.topK}` },
    ]);
  }
  const perExpert = PER_EXPERT_ROUTER_PARAMS[c.router.type];
  if (!perExpert) {
    throw new ConfigError('prune source', [
      { path: 'router.type', message: `${c.router.type} routers have no per-expert scores to drop` },
    ]);
  }
  const layer = new MoELayer({ ...c, numExperts: kept.length });
  const index = tf.tensor1d(kept, 'int32');
  const made: tf.Tensor[] = [index];
  try {
    const state: StateDict = {};
    for (const [name, value] of Object.entries(source.stateDict())) {
      const router = name.startsWith('router.') ? name.slice('router.'.length) : undefined;
      let axis: number | undefined;
      if (name.startsWith('experts.')) axis = 0;
      else if (router !== undefined && value.rank > 0 && perExpert(router)) axis = value.rank - 1;
      if (axis === undefined) {
        state[name] = value;
      } else {
        state[name] = tf.gather(value, index, axis);
        made.push(state[name]);
      }
    }
    layer.loadStateDict(state);
  } catch (err) {
    layer.dispose();
    throw err;
  } finally {
    tf.dispose(made);
  }
  layer.train(source.training);
  return { layer, kept };
}
