/**
 * The dense reference of the compressed models: the zoo model's architecture with a dense FFN in
 * every block, of the widest hidden size whose float32 weights take no more bytes than a compressed
 * variant, trained by the zoo model's own recipe (same data, epochs, batch and seed) — what training
 * a smaller dense model instead of compressing the MoE gives at the same bytes. Trained once and
 * kept in the cache (`<cache>/bench/compression-dense/`), keyed by the recipe's settings.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir, moduleStoredBytes, type TokenClassifier } from '@moe-zoo/core';
import type { SuiteContext } from '../../types';
import type { ZooTask } from './tasks';

/** The compressed variant whose stored bytes the dense reference matches (MC#'s equal-size comparison). */
export const DENSE_REFERENCE_BYTES_OF = 'mixed-precision-2.5bit';

/** The dense reference's row name: `dense-<width>-equal-bytes`. */
export function denseVariantName(hidden: number): string {
  return `dense-${hidden}-equal-bytes`;
}

/** Whether a row is a dense reference. */
export function isDenseReference(variant: string): boolean {
  return /^dense-\d+-equal-bytes$/.test(variant);
}

/** A trained dense reference. */
export interface DenseReference {
  model: TokenClassifier;
  hidden: number;
  /** Seconds its training took (when it was trained, possibly in an earlier run). */
  trainSeconds: number;
  /** Whether it came from the cache. */
  cached: boolean;
}

/** The widest dense FFN width whose model stores at most `bytes` (the stored bytes grow linearly with the width). */
export function denseWidthFor(task: Pick<ZooTask, 'name' | 'denseModel'>, bytes: number): number {
  const storedAt = (hidden: number): number => {
    const model = task.denseModel(hidden);
    try {
      return moduleStoredBytes(model);
    } finally {
      model.dispose();
    }
  };
  const one = storedAt(1);
  const perUnit = storedAt(2) - one;
  const hidden = 1 + Math.floor((bytes - one) / perUnit);
  if (hidden < 1)
    throw new Error(`${task.name}: no dense model fits in ${bytes} bytes (${one} at FFN width 1)`);
  if (storedAt(hidden) > bytes) throw new Error(`${task.name}: dense width ${hidden} exceeds ${bytes} bytes`);
  return hidden;
}

function cachedDir(task: ZooTask, hidden: number): string {
  const key = createHash('sha256').update(JSON.stringify(task.recipe.settings)).digest('hex').slice(0, 10);
  return path.join(
    cacheDir('bench'),
    'compression-dense',
    `${task.name}-dense${hidden}-seed${task.recipe.seed}-${key}`,
  );
}

const TRAINING_FILE = 'training.json';

/**
 * The dense reference of `task` at width `hidden`: loaded from the cache, or (with `train`, the
 * default) trained by the recipe (with progress) and saved there; a failed training leaves no
 * partial folder behind. Undefined when it is not cached and `train` is false.
 */
export async function denseReference(
  ctx: SuiteContext,
  task: ZooTask,
  hidden: number,
  { train = true }: { train?: boolean } = {},
): Promise<DenseReference | undefined> {
  const dir = cachedDir(task, hidden);
  const record = path.join(dir, TRAINING_FILE);
  if (fs.existsSync(record)) {
    const { trainSeconds } = JSON.parse(fs.readFileSync(record, 'utf8')) as { trainSeconds: number };
    return { model: await task.loadDense(dir), hidden, trainSeconds, cached: true };
  }
  if (!train) return undefined;
  ctx.log(`compression ${task.name}: training the dense reference (FFN width ${hidden}) by the zoo recipe`);
  const { model, seconds } = await task.trainDense(hidden, (label, total) =>
    ctx.progress(`compression ${task.name} dense-${hidden} ${label}`, total),
  );
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  await task.saveDense(partial, model);
  fs.writeFileSync(
    path.join(partial, TRAINING_FILE),
    JSON.stringify({ trainSeconds: seconds, hidden }, null, 2),
  );
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  return { model, hidden, trainSeconds: seconds, cached: false };
}
