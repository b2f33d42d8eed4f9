import type { ProgressHandle } from '@moe-zoo/core';

/**
 * Trains a freshly built `model` for `steps` optimizer steps under a `training` progress bar that
 * shows the loss; the model is freed when training throws, the bar closed either way.
 */
export async function trainWithBar<M extends { dispose(): void }>(
  model: M,
  steps: number,
  progress: (label: string, total: number) => ProgressHandle,
  train: (model: M, onStep: (loss: number) => void) => Promise<{ seconds: number }>,
): Promise<{ model: M; steps: number; seconds: number }> {
  const bar = progress('training', steps);
  try {
    const run = await train(model, (loss) => bar.tick(1, { loss: loss.toFixed(3) }));
    return { model, steps, seconds: run.seconds };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    bar.done();
  }
}
