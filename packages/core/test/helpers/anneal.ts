/** Training a dense-to-sparse MoE layer through its anneal with the Trainer. */
import { AdamW, MoELayer, tf, Trainer, type MoELayerConfigInput } from '../../src';
import type { DenseToSparseRouter } from '../../src/moe/routers/dense-to-sparse';

/**
 * Builds an 8-wide MoE layer of 4 experts, top-1, with a dense-to-sparse gate annealed over 3
 * steps (`config` adds to or overrides that), runs `beforeFit` on it, then trains it for 4 steps
 * on one fixed batch with the Trainer. Returns the layer (the caller disposes it), its router,
 * the experts per token before each step and the trained steps' losses.
 */
export async function trainThroughAnneal(
  config: Partial<MoELayerConfigInput>,
  beforeFit: () => void = () => {},
): Promise<{ layer: MoELayer; router: DenseToSparseRouter; seen: number[]; losses: number[] }> {
  const layer = new MoELayer({
    dim: 8,
    hidden: 16,
    numExperts: 4,
    topK: 1,
    router: { type: 'dense-to-sparse', annealSteps: 3 },
    ...config,
  } as MoELayerConfigInput);
  const router = layer.router as DenseToSparseRouter;
  const optimizer = new AdamW(layer, { lr: 1e-2 });
  const x = tf.randomNormal([12, 8]);
  const seen: number[] = [];
  beforeFit();
  const trainer = new Trainer({
    model: layer,
    optimizer,
    epochs: 1,
    progress: false,
    data: { numBatches: () => 4, batch: () => ({}) },
    loss: (_b, m) => {
      seen.push(router.expertsPerToken());
      const { y, aux } = m.forward(x);
      return { loss: tf.mean(tf.square(tf.sub(y, x))) as tf.Scalar, aux: [aux] };
    },
  });
  const history = await trainer.fit();
  tf.dispose(x);
  optimizer.dispose();
  return { layer, router, seen, losses: history.steps.map((s) => s.loss) };
}
