/**
 * Copies of a trained MoELayer's parts that compression keeps as they are (the router, the shared
 * experts), as new modules with their own variables: a compressed layer never shares a variable
 * with its source, so disposing one leaves the other intact.
 */
import { ConfigError } from '../config/parse';
import type { ExpertBank } from '../moe/experts/bank';
import { FfnExperts } from '../moe/experts/ffn-bank';
import { SwiGluExperts } from '../moe/experts/swiglu-bank';
import type { MoELayer } from '../moe/layer';
import { createRouter, type Router } from '../moe/routers';
import type { Module } from '../nn/module';

/** Copies every parameter and buffer of `source` into `target` (same names and shapes). */
export function copyState<M extends Module>(target: M, source: Module): M {
  target.loadStateDict(source.stateDict());
  target.train(source.training);
  return target;
}

/** A new router like `layer.router` (same config, same weights, same numExperts). */
export function copyRouter(layer: MoELayer): Router {
  const c = layer.config;
  if (c.router.type === 'recurrent') {
    throw new ConfigError('compression source', [
      { path: 'router.type', message: 'recurrent routers share a GRU across layers and cannot be copied' },
    ]);
  }
  return copyState(createRouter(c.router, c.dim, c.numExperts, c.topK), layer.router);
}

/** A copy of the layer's shared (always-on) experts, or undefined when it has none. */
export function copySharedExperts(layer: MoELayer): ExpertBank | undefined {
  const shared = layer.shared;
  if (!shared) return undefined;
  const c = layer.config;
  const size = { numExperts: shared.numExperts, dim: c.dim, hidden: c.sharedHidden ?? c.hidden };
  const bank =
    c.expert === 'swiglu' ? new SwiGluExperts(size) : new FfnExperts({ ...size, activation: c.activation });
  return copyState(bank, shared);
}

/** The layer's routed bank as `FfnExperts` (what the low-rank tools factorise), or a ConfigError. */
export function ffnExpertsOf(layer: MoELayer, tool: string): FfnExperts {
  if (layer.experts instanceof FfnExperts) return layer.experts;
  throw new ConfigError(`${tool} source`, [
    { path: 'expert', message: `${tool} factorises FFN experts, got ${layer.experts.constructor.name}` },
  ]);
}

/** A float32 [rows, cols] slice of a row-major stack: matrix `index` of `data`. */
export function matrixAt(data: Float32Array, index: number, rows: number, cols: number): Float32Array {
  return data.subarray(index * rows * cols, (index + 1) * rows * cols);
}
