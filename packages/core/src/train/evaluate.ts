import type { Module } from '../nn/module';
import { tf } from '../tf';

/** One batch of {@link evaluateInBatches}: items `from` .. `from + size - 1` of the set. */
export interface EvalBatch {
  from: number;
  size: number;
  /** The item indices `from, from + 1, ...` (length `size`). */
  indices: Int32Array;
}

/**
 * The one batched-evaluation loop: runs `step` over items 0..n-1 in batches of `batchSize`, with
 * the model(s) in eval mode (restored afterwards, also on error) and every batch in its own
 * tensor scope, so tensors `step` makes are freed when it returns (return host values, or
 * `tf.keep` what must outlive the batch). Returns the per-batch results in order.
 *
 * @example
 * ```ts
 * const correct = evaluateInBatches(model, set.n, 256, ({ indices }) => {
 *   const { x, y } = batchOf(set, indices);
 *   const pred = tf.argMax(model.forward(x).logits, -1);
 *   return tf.sum(tf.cast(tf.equal(pred, y), 'int32')).dataSync()[0];
 * }).reduce((a, b) => a + b, 0);
 * ```
 */
export function evaluateInBatches<R>(
  model: Module | readonly Module[],
  n: number,
  batchSize: number,
  step: (batch: EvalBatch) => R,
): R[] {
  const restore = enterEval(model, batchSize);
  const results: R[] = [];
  try {
    for (const batch of evalBatches(n, batchSize)) {
      tf.engine().startScope();
      try {
        results.push(step(batch));
      } finally {
        tf.engine().endScope();
      }
    }
  } finally {
    restore();
  }
  return results;
}

/**
 * {@link evaluateInBatches} for steps that read results back asynchronously (`await t.data()`), as
 * on backends without synchronous reads (`backendCapabilities().syncReadback` false: webgpu). Same
 * batches, eval mode and one tensor scope per batch, which stays open while the step awaits: run
 * no other tensor work concurrently (it would be freed with the batch's scope).
 *
 * @example
 * ```ts
 * const correct = (await evaluateInBatchesAsync(model, set.n, 256, async ({ indices }) => {
 *   const { x, y } = batchOf(set, indices);
 *   const pred = tf.argMax(model.forward(x).logits, -1);
 *   return (await tf.sum(tf.cast(tf.equal(pred, y), 'int32')).data())[0];
 * })).reduce((a, b) => a + b, 0);
 * ```
 */
export async function evaluateInBatchesAsync<R>(
  model: Module | readonly Module[],
  n: number,
  batchSize: number,
  step: (batch: EvalBatch) => R | Promise<R>,
): Promise<R[]> {
  const restore = enterEval(model, batchSize);
  const results: R[] = [];
  try {
    for (const batch of evalBatches(n, batchSize)) {
      tf.engine().startScope();
      try {
        results.push(await step(batch));
      } finally {
        tf.engine().endScope();
      }
    }
  } finally {
    restore();
  }
  return results;
}

/** Checks `batchSize`, puts the model(s) in eval mode and returns the function that restores their flags. */
function enterEval(model: Module | readonly Module[], batchSize: number): () => void {
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new Error(`evaluateInBatches: batchSize must be a positive integer, got ${batchSize}`);
  const models = Array.isArray(model) ? (model as readonly Module[]) : [model as Module];
  const wasTraining = models.map((m) => m.training);
  models.forEach((m) => m.eval());
  return () => models.forEach((m, i) => m.train(wasTraining[i]));
}

/** The batches of items 0..n-1, `batchSize` at a time. */
function* evalBatches(n: number, batchSize: number): Generator<EvalBatch> {
  for (let from = 0; from < n; from += batchSize) {
    const size = Math.min(batchSize, n - from);
    yield { from, size, indices: Int32Array.from({ length: size }, (_, i) => from + i) };
  }
}
