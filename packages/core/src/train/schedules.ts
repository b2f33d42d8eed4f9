/**
 * Learning-rate schedules: pure functions of the optimizer step (0 for the first update), so a
 * resumed run recomputes the same rate from the restored step count.
 */

/** A learning rate as a function of the number of optimizer steps already taken. */
export type LrSchedule = (step: number) => number;

/** Options shared by the warm-up schedules. */
export interface WarmupScheduleOptions {
  /** Rate reached at the end of the warm-up. */
  peak: number;
  /** Steps of linear warm-up from 0 to `peak` (0 starts at `peak`). */
  warmupSteps: number;
  /** Step at which the decay reaches `minLr`; the rate stays there afterwards. */
  totalSteps: number;
  /** Final rate (default 0). */
  minLr?: number;
}

/**
 * The same rate at every step.
 *
 * @example
 * ```ts
 * const opt = new AdamW(model, { lr: constantLr(1e-3) });
 * ```
 */
export function constantLr(lr: number): LrSchedule {
  checkRate('constantLr', 'lr', lr);
  return () => lr;
}

/**
 * Linear warm-up then cosine decay: `peak * step / warmupSteps` while warming up, `peak` at
 * `warmupSteps`, `(peak + minLr) / 2` half-way through the decay, `minLr` from `totalSteps` on.
 *
 * @example
 * ```ts
 * const lr = warmupCosine({ peak: 3e-4, warmupSteps: 100, totalSteps: 1000, minLr: 3e-5 });
 * lr(50); // 1.5e-4
 * ```
 */
export function warmupCosine(opts: WarmupScheduleOptions): LrSchedule {
  const { peak, minLr, warmupSteps, totalSteps } = checkWarmup('warmupCosine', opts);
  return (step) => {
    if (step < warmupSteps) return (peak * step) / warmupSteps;
    const p = decayProgress(step, warmupSteps, totalSteps);
    return minLr + (peak - minLr) * 0.5 * (1 + Math.cos(Math.PI * p));
  };
}

/**
 * Linear warm-up then linear decay from `peak` at `warmupSteps` to `minLr` at `totalSteps`.
 *
 * @example
 * ```ts
 * const lr = warmupLinear({ peak: 1e-3, warmupSteps: 10, totalSteps: 110 });
 * lr(60); // 5e-4
 * ```
 */
export function warmupLinear(opts: WarmupScheduleOptions): LrSchedule {
  const { peak, minLr, warmupSteps, totalSteps } = checkWarmup('warmupLinear', opts);
  return (step) => {
    if (step < warmupSteps) return (peak * step) / warmupSteps;
    return peak + (minLr - peak) * decayProgress(step, warmupSteps, totalSteps);
  };
}

function decayProgress(step: number, warmupSteps: number, totalSteps: number): number {
  const span = totalSteps - warmupSteps;
  return span <= 0 ? 1 : Math.min(1, (step - warmupSteps) / span);
}

function checkRate(fn: string, name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new Error(`${fn}: ${name} must be a finite number >= 0, got ${v}`);
}

function checkWarmup(fn: string, opts: WarmupScheduleOptions): Required<WarmupScheduleOptions> {
  const { peak, warmupSteps, totalSteps, minLr = 0 } = opts;
  checkRate(fn, 'peak', peak);
  checkRate(fn, 'minLr', minLr);
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) {
    throw new Error(`${fn}: warmupSteps must be an integer >= 0, got ${warmupSteps}`);
  }
  if (!Number.isInteger(totalSteps) || totalSteps < warmupSteps) {
    throw new Error(
      `${fn}: totalSteps must be an integer >= warmupSteps (${warmupSteps}), got ${totalSteps}`,
    );
  }
  return { peak, warmupSteps, totalSteps, minLr };
}
