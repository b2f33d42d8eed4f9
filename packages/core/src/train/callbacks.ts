import type { RoutingMetrics } from '../moe/types';

/** What one training step produced (numbers only; kept in the history and in checkpoints). */
export interface StepRecord {
  /** Global step, 1-based. */
  step: number;
  epoch: number;
  /** Index of the batch within the epoch. */
  batchIndex: number;
  /** Task loss, without auxiliary terms. */
  loss: number;
  /** Auxiliary loss terms (already scaled), summed over MoE layers by name. */
  auxLosses: Record<string, number>;
  /** The differentiated loss: task loss plus the aux terms (when they are enabled). */
  totalLoss: number;
  /** Learning rate used by this step. */
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /**
   * Routing metrics averaged over the MoE FFN layers (a routed attention's aux, `source:
   * 'attention'`, is left out); absent for models without MoE FFN aux.
   */
  routing?: RoutingMetrics;
}

/** Summary of one finished epoch. */
export interface EpochRecord {
  epoch: number;
  /** Mean task loss over the epoch's steps. */
  meanLoss: number;
  steps: number;
}

/** Everything {@link Trainer.fit} returns, and what a checkpoint carries to resume. */
export interface TrainHistory {
  steps: StepRecord[];
  epochs: EpochRecord[];
}

/** Passed to `onStep`. */
export interface StepInfo extends StepRecord {
  /** Steps of the whole run (all epochs). */
  totalSteps: number;
}

/** Passed to `onEpochEnd`. */
export type EpochInfo = EpochRecord;

/** Hooks called by the trainer; they may be async (the trainer awaits them). */
export interface TrainerCallbacks {
  /** After every step, once the step's tensors are disposed. */
  onStep?(info: StepInfo): void | Promise<void>;
  /** After the last step of an epoch. */
  onEpochEnd?(info: EpochInfo): void | Promise<void>;
}

/**
 * Calls several callback sets in order.
 *
 * @example
 * ```ts
 * const callbacks = combineCallbacks(logger, { onEpochEnd: (e) => console.log(e.meanLoss) });
 * ```
 */
export function combineCallbacks(...list: TrainerCallbacks[]): TrainerCallbacks {
  return {
    async onStep(info) {
      for (const c of list) await c.onStep?.(info);
    },
    async onEpochEnd(info) {
      for (const c of list) await c.onEpochEnd?.(info);
    },
  };
}
