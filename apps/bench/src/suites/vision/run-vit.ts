/** V-MoE and the dense ViT on Fashion-MNIST: one arm of one seed. */
import { setSeed, tf } from '@moe-zoo/core';
import { loadFashion, trainViT, ViT, type LabelledImages } from '@moe-zoo/vision';
import { settle, timeMedianAsync } from '../../perf/timing';
import { mean, type SeedRun } from '../../stats';
import { evaluate } from '../../train/classifier-run';
import type { SuiteContext } from '../../types';
import type { VitArm } from './arms';
import { VIT_PATCH, type VisionPlan } from './plan';

/** What one ViT arm measured on one seed, and its size. */
export interface VitResult {
  run: SeedRun;
  total: number;
  active: number;
  flops: number;
}

/** 1/0 per test image, in order (the bench's classifier evaluation on the vision package's images). */
function correctPerImage(model: ViT, set: LabelledImages): Promise<number[]> {
  return evaluate(model, { x: set.x, y: set.y, n: set.n, height: set.size, width: set.size }, VIT_PATCH);
}

/**
 * Trains and evaluates one ViT arm. Both arms of a seed see the same images (drawn by the seed);
 * the items are their test images in order.
 */
export async function runViT(
  ctx: SuiteContext,
  plan: VisionPlan,
  arm: VitArm,
  seed: number,
): Promise<VitResult> {
  const data = loadFashion({
    trainPerClass: plan.vit.trainPerClass,
    testPerClass: plan.vit.testPerClass,
    seed,
  });
  setSeed(seed * 101 + arm.seedOffset);
  const model = new ViT({ ffn: arm.ffn, depth: plan.vit.depth, patch: VIT_PATCH });
  const bar = ctx.progress(
    `vision ${arm.variant} seed ${seed}`,
    plan.vit.epochs * Math.floor(data.train.n / 64),
  );
  const r = await trainViT(model, data.train, {
    epochs: plan.vit.epochs,
    seed,
    onStep: (loss) => bar.tick(1, { loss: loss.toFixed(3) }),
  });
  bar.done();
  const correct = await correctPerImage(model, data.test);
  const probe = tf.tidy(() => tf.randomUniform([64, 16, VIT_PATCH * VIT_PATCH]));
  const forward = () => settle(tf.tidy(() => model.forward(probe).logits));
  model.eval();
  const latencyMs = ctx.timing.add(await timeMedianAsync(forward)).medianMs;
  probe.dispose();
  const metrics: Record<string, number> = { accuracy: mean(correct) };
  if (r.maxVio.length) metrics.maxVio = mean(r.maxVio.slice(Math.floor(r.maxVio.length * 0.75)));
  const out: VitResult = {
    run: { metrics, items: { accuracy: correct }, latencyMs, trainSeconds: r.seconds },
    total: model.countParams(),
    active: model.activeParams(),
    flops: model.flopsPerSample(),
  };
  model.dispose();
  return out;
}
