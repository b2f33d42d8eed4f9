/**
 * The SCMoE task's runs: per seed, one top-2 MoE token classifier is trained on the arithmetic
 * expressions, then every test item is decoded three ways by the same model: greedy with top-2
 * routing (strong), greedy with rank-2 routing (weak), and SCMoE's contrast of the two.
 */
import {
  evaluateInBatchesAsync,
  fitShuffled,
  selfContrastLogits,
  setSeed,
  tf,
  TokenClassifier,
} from '@moe-zoo/core';
import { mean, seedRunsRow, type RowHead, type SeedRun } from '../../stats';
import type { BenchRow, SuiteContext } from '../../types';
import { arithmeticSet, VOCABULARY, type ArithmeticSet } from './arithmetic-data';
import { withRankOverride } from './moe-context';
import {
  ARITHMETIC_MODEL,
  ARITHMETIC_SEEDS,
  ARITHMETIC_STEPS,
  SCMOE,
  SCMOE_TASK,
  SCMOE_VARIANTS,
  scmoeSteps,
  type ScmoePlan,
} from './scmoe-plan';

/** One-hot tokens [n, length, vocabulary] and labels [n] of the items `indices` of `set`. */
function arithmeticBatch(set: ArithmeticSet, indices: ArrayLike<number>): { x: tf.Tensor3D; y: tf.Tensor1D } {
  const ids = new Int32Array(indices.length * set.length);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const item = indices[i];
    ids.set(set.tokens.subarray(item * set.length, (item + 1) * set.length), i * set.length);
    labels[i] = set.answer[item];
  }
  return tf.tidy(() => ({
    x: tf.reshape(tf.cast(tf.oneHot(tf.tensor1d(ids, 'int32'), VOCABULARY), 'float32'), [
      indices.length,
      set.length,
      VOCABULARY,
    ]) as tf.Tensor3D,
    y: tf.tensor1d(labels, 'int32'),
  }));
}

/** 1/0 per test item for each decoding, in {@link SCMOE_VARIANTS} order. */
async function decodeTestItems(model: TokenClassifier, test: ArithmeticSet): Promise<number[][]> {
  const batches = await evaluateInBatchesAsync(model, test.n, 500, async ({ indices }) => {
    const { x, y } = arithmeticBatch(test, indices);
    const strong = model.forward(x).logits;
    const weak = withRankOverride(model, SCMOE.weakRank, () => model.forward(x).logits);
    const contrast = selfContrastLogits(strong, weak, { alpha: SCMOE.alpha, beta: SCMOE.beta });
    const right = async (logits: tf.Tensor2D): Promise<number[]> =>
      Array.from(await tf.cast(tf.equal(tf.argMax(logits, -1), y), 'int32').data());
    return Promise.all([strong, weak, contrast].map(right));
  });
  return SCMOE_VARIANTS.map((_, d) => batches.flatMap((b) => b[d]));
}

/** Accuracy per number of steps (`acc:steps-s`). */
function accuracyBySteps(correct: readonly number[], test: ArithmeticSet): Record<string, number> {
  const out: Record<string, number> = {};
  for (let s = ARITHMETIC_STEPS.minSteps; s <= ARITHMETIC_STEPS.maxSteps; s++) {
    out[`acc:steps-${s}`] = mean(correct.filter((_, i) => test.steps[i] === s));
  }
  return out;
}

/**
 * Active parameters and FLOPs per sample of each decoding, in {@link SCMOE_VARIANTS} order. The
 * weak pass runs one expert fewer per token in every MoE layer; SCMoE runs both passes, and the
 * weak pass's expert is one of the strong pass's two.
 */
function decodingCosts(model: TokenClassifier): { active: number; flops: number }[] {
  const layers = model.moeLayers();
  const strong = { active: model.activeParams(), flops: model.flopsPerSample() };
  const weak = {
    active: strong.active - layers.reduce((s, l) => s + l.experts.paramsPerExpert(), 0),
    flops: strong.flops - model.options.tokens * layers.reduce((s, l) => s + l.experts.flopsPerToken(), 0),
  };
  return [strong, weak, { active: strong.active, flops: strong.flops + weak.flops }];
}

/** Trains one model per seed and returns the rows of its three decodings. */
export async function runScmoe(ctx: SuiteContext, plan: ScmoePlan): Promise<BenchRow[]> {
  const train = arithmeticSet(plan.train, ARITHMETIC_SEEDS.train, ARITHMETIC_STEPS);
  const test = arithmeticSet(plan.test, ARITHMETIC_SEEDS.test, ARITHMETIC_STEPS);
  const runs: SeedRun[][] = SCMOE_VARIANTS.map(() => []);
  let heads: RowHead[] = [];
  for (const seed of ctx.seeds) {
    setSeed(seed);
    const model = new TokenClassifier(ARITHMETIC_MODEL);
    try {
      const progress = ctx.progress(`${SCMOE_TASK} top-2 MoE seed ${seed}`, scmoeSteps(plan));
      const { seconds } = await fitShuffled({
        model,
        samples: train.n,
        makeBatch: (indices) => arithmeticBatch(train, indices),
        loss: ({ x, y }, m) => {
          const { logits, aux } = m.forward(x);
          return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), logits) as tf.Scalar, aux };
        },
        epochs: plan.epochs,
        batchSize: plan.batchSize,
        lr: plan.lr,
        seed,
        progress: false,
        callbacks: { onStep: (s) => progress.tick(1, { loss: s.loss.toFixed(3) }) },
      });
      progress.done();
      const decoded = await decodeTestItems(model, test);
      decoded.forEach((correct, d) => {
        const metrics = { accuracy: mean(correct), ...accuracyBySteps(correct, test) };
        runs[d].push({ metrics, items: { accuracy: correct }, latencyMs: 0, trainSeconds: seconds });
        ctx.log(
          `${SCMOE_TASK} ${SCMOE_VARIANTS[d]} seed ${seed}: accuracy ${metrics.accuracy.toFixed(3)} (` +
            Object.entries(metrics)
              .filter(([k]) => k.startsWith('acc:'))
              .map(([k, v]) => `${k.slice(4)} ${v.toFixed(3)}`)
              .join(', ') +
            ')',
        );
      });
      if (heads.length === 0) {
        const costs = decodingCosts(model);
        heads = SCMOE_VARIANTS.map((variant, d) => ({
          model: 'token-classifier',
          variant,
          task: SCMOE_TASK,
          paramsTotal: model.countParams(),
          paramsActive: costs[d].active,
          flopsPerSample: costs[d].flops,
        }));
      }
    } finally {
      model.dispose();
    }
  }
  return heads.map((head, d) => seedRunsRow(head, runs[d]));
}
