/** What the Duo-LLM study measures on a test image: loss, correctness, and the FFN compute its route used. */
import {
  DUO_BIG,
  DUO_SKIP,
  evaluateInBatchesAsync,
  ffnAux,
  imagePatches,
  tf,
  type TokenClassifier,
} from '@moe-zoo/core';
import type { ImageSet } from '../../data/fashion-mnist';
import { batch } from '../../train/classifier-run';
import { duoLayers } from './duo-arms';
import { PATCH, TOKENS } from './plan';

/**
 * Per test image: cross-entropy, 1/0 right, compute (its tokens' FFN FLOPs over the big module's
 * in every layer: 0 = skip everywhere, 1 = big everywhere), and the shares of its (token, layer)
 * choices that are big and skip. A type, not an interface: it is the oracle's outcome record.
 */
export type DuoEvaluation = {
  loss: number[];
  correct: number[];
  compute: number[];
  big: number[];
  skip: number[];
};

/** Evaluates `model` (eval mode, batches of 250) on every image of `set` under its current routing. */
export async function evaluateDuo(model: TokenClassifier, set: ImageSet): Promise<DuoEvaluation> {
  const flops = duoLayers(model).map((l) => l.choiceFlops());
  const all = flops.reduce((s, f) => s + f[DUO_BIG], 0);
  const parts = await evaluateInBatchesAsync(model, set.n, 250, async ({ indices }) => {
    const n = indices.length;
    const { images, labels } = batch(set, indices);
    const out = model.forward(imagePatches(images, PATCH));
    const right = tf.cast(tf.equal(tf.argMax(out.logits, -1), labels), 'int32');
    const loss = tf.losses.softmaxCrossEntropy(
      tf.oneHot(labels, 10),
      out.logits,
      undefined,
      undefined,
      tf.Reduction.NONE,
    );
    const choices = await Promise.all(ffnAux(out.aux).map((a) => a.indices.data() as Promise<Int32Array>));
    const per = {
      compute: new Array<number>(n).fill(0),
      big: new Array<number>(n).fill(0),
      skip: new Array<number>(n).fill(0),
    };
    const share = 1 / (TOKENS * choices.length);
    choices.forEach((c, l) => {
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < TOKENS; t++) {
          const choice = c[i * TOKENS + t];
          per.compute[i] += flops[l][choice] / (TOKENS * all);
          if (choice === DUO_BIG) per.big[i] += share;
          if (choice === DUO_SKIP) per.skip[i] += share;
        }
      }
    });
    return {
      loss: Array.from(await loss.data()),
      correct: Array.from(await right.data()),
      ...per,
    };
  });
  const cat = (k: keyof DuoEvaluation): number[] => parts.flatMap((p) => p[k]);
  return {
    loss: cat('loss'),
    correct: cat('correct'),
    compute: cat('compute'),
    big: cat('big'),
    skip: cat('skip'),
  };
}
