import type { RouterConfig } from '../../config/moe';
import { BalancedRouter } from './balanced';
import { DenseToSparseRouter } from './dense-to-sparse';
import { ExpertChoiceRouter } from './expert-choice';
import type { GruCell } from '../../nn/gru-cell';
import { HashRouter } from './hash';
import { MlpRouter } from './mlp';
import { RecurrentRouter } from './recurrent';
import { NoisyTopKRouter } from './noisy-topk';
import { NormalizedSoftmaxRouter } from './normalized-softmax';
import type { Router } from './router';
import { SigmoidLossFreeRouter } from './sigmoid-loss-free';
import { SoftmaxTopKRouter } from './softmax-topk';
import { UncertaintyRouter } from './uncertainty';

export * from './router';
export * from './softmax-topk';
export * from './noisy-topk';
export * from './sigmoid-loss-free';
export * from './expert-choice';
export * from './hash';
export * from './balanced';
export * from './uncertainty';
export * from './router-bias';
export * from './normalized-softmax';
export * from './dense-to-sparse';
export * from './recurrent';
export * from './mlp';
export * from './tsallis-hybrid';

/** What routers of several layers share, owned by the model: RMoE's GRU cell. */
export interface SharedRouterParts {
  /** The GRU every recurrent router of the model steps (absent: each router owns one). */
  recurrentCell?: GruCell;
}

/** Builds the router a config names (the registry Tutel/HF-style configs select from). */
export function createRouter(
  config: RouterConfig,
  dim: number,
  numExperts: number,
  k: number,
  shared: SharedRouterParts = {},
): Router {
  switch (config.type) {
    case 'softmax':
      return new SoftmaxTopKRouter({
        dim,
        numExperts,
        k,
        jitter: config.jitter,
        normalize: config.normalize,
        bias: config.bias,
      });
    case 'noisy':
      return new NoisyTopKRouter({ dim, numExperts, k });
    case 'sigmoid-loss-free':
      return new SigmoidLossFreeRouter({
        dim,
        numExperts,
        k,
        biasUpdateRate: config.biasUpdateRate,
        routeScale: config.routeScale,
      });
    case 'expert-choice':
      return new ExpertChoiceRouter({
        dim,
        numExperts,
        capacityFactor: config.capacityFactor,
        scoring: config.scoring,
      });
    case 'hash':
      return new HashRouter({ numExperts, seed: config.seed });
    case 'balanced':
      return new BalancedRouter({ dim, numExperts });
    case 'uncertainty':
      return new UncertaintyRouter({
        dim,
        numExperts,
        k,
        samples: config.samples,
        dropout: config.dropout,
        sampleAtInference: config.sampleAtInference,
        bias: config.bias,
      });
    case 'normalized-softmax':
      return new NormalizedSoftmaxRouter({
        dim,
        numExperts,
        k,
        scale: config.scale,
        normalize: config.normalize,
      });
    case 'dense-to-sparse':
      return new DenseToSparseRouter({
        dim,
        numExperts,
        k,
        temperatureStart: config.temperatureStart,
        temperatureEnd: config.temperatureEnd,
        annealSteps: config.annealSteps,
        threshold: config.threshold,
        gumbel: config.gumbel,
      });
    case 'recurrent':
      return new RecurrentRouter({ dim, numExperts, k, stateDim: config.stateDim }, shared.recurrentCell);
    case 'mlp':
      return new MlpRouter({ dim, numExperts, k, hidden: config.hidden });
  }
}
