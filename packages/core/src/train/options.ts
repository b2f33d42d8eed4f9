/**
 * Schemas of the options training entry points take (learning rate, epochs, batch size, ...):
 * checked with `parseConfig` when the optimizer or loop is made, so `lr: '0.01'` or
 * `batchSize: 0` is a `ConfigError` naming the field, not a failure steps later.
 */
import { z } from 'zod';
import { sizeField } from '../config/bounds';
import { functionField as fn } from '../config/fields';

/** The largest learning rate accepted: anything above is a typo (or a divergence), not a setting. */
export const MAX_LEARNING_RATE = 10;
/** The largest batch size accepted (samples per step). */
export const MAX_BATCH_SIZE = 65_536;
/** The largest number of epochs accepted. */
export const MAX_EPOCHS = 1_000_000;

/** A finite learning rate in (0, {@link MAX_LEARNING_RATE}]. */
export const LearningRateSchema = z.number().positive().max(MAX_LEARNING_RATE);

/** Options of `AdamW`: `lr` is a number or a schedule of the step count. Strict. */
export const AdamWOptionsSchema = z.strictObject({
  lr: z.union([LearningRateSchema, fn<(step: number) => number>('a number or a schedule')]).default(1e-3),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  eps: z.number().min(0).max(1).default(1e-8),
  weightDecay: z.number().min(0).max(10).default(0.01),
  noDecay: fn<(name: string) => boolean>('a predicate of the parameter name').optional(),
});

/** The numeric options of a training loop (`fitShuffled` and the package training functions). */
export const TrainLoopNumbersSchema = z.object({
  epochs: sizeField(MAX_EPOCHS),
  batchSize: sizeField(MAX_BATCH_SIZE),
  lr: LearningRateSchema,
  seed: z.number().int().min(0),
  weightDecay: z.number().min(0).max(10).optional(),
  clipNorm: z.number().positive().optional(),
});

/**
 * The options every package's training function shares (strict; each package `.extend`s it with
 * its callback and extras, and applies its own defaults).
 *
 * @example
 * ```ts
 * const TrainViTOptionsSchema = TrainOptionsSchema.extend({ onStep: functionField<(loss: number) => void>('a callback').optional() });
 * ```
 */
export const TrainOptionsSchema = z.strictObject({
  epochs: sizeField(MAX_EPOCHS),
  batchSize: sizeField(MAX_BATCH_SIZE).optional(),
  lr: LearningRateSchema.optional(),
  seed: z.number().int().min(0).optional(),
});
