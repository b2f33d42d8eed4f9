/** What the designs suite measures on a trained model: quality, routing sharpness, expert diversity, drops. */
import {
  evaluateInBatchesAsync,
  ffnAux,
  imagePatches,
  tf,
  type MoELayer,
  type TokenClassifier,
} from '@moe-zoo/core';
import type { ImageSet } from '../../data/fashion-mnist';
import { batch } from '../../train/classifier-run';
import { PATCH, TOKENS } from './plan';

/** Per-test-image outcomes and the test-set drop rate. */
export interface DesignEvaluation {
  /** 1/0: the image was classified right. */
  correct: number[];
  /** Cross-entropy of each image. */
  loss: number[];
  /** Entropy (nats) of the routing distribution, averaged over the image's tokens and the MoE layers (0 without). */
  entropy: number[];
  /**
   * Expert similarity: the mean cosine similarity of the outputs of every pair of experts on the
   * same token (every expert run on every token), averaged over the image's tokens and the MoE
   * layers. 1 = the experts compute the same function; lower = more diverse experts.
   */
  expertSim: number[];
  /** Share of the routed (token, slot) pairs dropped by capacity, over the test set and the layers. */
  dropRate: number;
  /** Each MoE layer's top-1 expert of every test token, in order (layer, then image, then token). */
  top1: number[][];
}

/**
 * Cross-layer routing mutual information (bits): for each pair of consecutive MoE layers, the
 * plug-in mutual information between the top-1 expert a token gets in layer l and in layer l+1
 * (joint histogram over every test token), averaged over the pairs. 0 = the layers route
 * independently; at most log2(E).
 *
 * @example
 * ```ts
 * crossLayerMutualInformation([[0, 1, 0, 1], [1, 0, 1, 0]], 2); // 1: layer 2 is a function of layer 1
 * ```
 */
export function crossLayerMutualInformation(top1: readonly number[][], experts: number): number {
  if (top1.length < 2) return 0;
  const pairs: number[] = [];
  for (let l = 0; l + 1 < top1.length; l++) {
    const a = top1[l];
    const b = top1[l + 1];
    const n = a.length;
    const joint = new Float64Array(experts * experts);
    const pa = new Float64Array(experts);
    const pb = new Float64Array(experts);
    for (let i = 0; i < n; i++) {
      joint[a[i] * experts + b[i]] += 1 / n;
      pa[a[i]] += 1 / n;
      pb[b[i]] += 1 / n;
    }
    let mi = 0;
    for (let i = 0; i < experts; i++) {
      for (let j = 0; j < experts; j++) {
        const p = joint[i * experts + j];
        if (p > 0) mi += p * Math.log2(p / (pa[i] * pb[j]));
      }
    }
    pairs.push(mi);
  }
  return pairs.reduce((s, v) => s + v, 0) / pairs.length;
}

/** Per token [T]: the mean cosine similarity of the E experts' outputs on it (off-diagonal pairs). */
function outputSimilarity(layer: MoELayer, x: tf.Tensor): tf.Tensor1D {
  const e = layer.experts.numExperts;
  const out = layer.experts.forwardAll(tf.reshape(x, [-1, layer.dim]) as tf.Tensor2D); // [E, T, D]
  const unit = tf.div(out, tf.add(tf.norm(out, 'euclidean', -1, true), 1e-12));
  const byToken = tf.transpose(unit, [1, 0, 2]); // [T, E, D]
  const gram = tf.matMul(byToken, byToken, false, true); // [T, E, E]
  const offDiagonal = tf.sub(tf.sum(gram, [1, 2]), tf.sum(tf.mul(gram, tf.eye(e)), [1, 2]));
  return tf.div(offDiagonal, Math.max(1, e * (e - 1))) as tf.Tensor1D;
}

/**
 * Runs `f` with every MoE layer of `model` reporting the input it is called with (the block's
 * normalised tokens) to `seen`; the layers are restored afterwards.
 */
function watchingInputs<R>(
  model: TokenClassifier,
  seen: (layer: MoELayer, x: tf.Tensor) => void,
  f: () => R,
): R {
  const layers = model.moeLayers();
  const originals = layers.map((layer) => layer.forward);
  layers.forEach((layer, l) => {
    const forward = originals[l];
    layer.forward = (x, ctx) => {
      seen(layer, x);
      return forward.call(layer, x, ctx);
    };
  });
  try {
    return f();
  } finally {
    layers.forEach((layer, l) => (layer.forward = originals[l]));
  }
}

/** Evaluates `model` (eval mode, batches of 250) on every image of `set`; awaited reads (every backend). */
export async function evaluateDesign(model: TokenClassifier, set: ImageSet): Promise<DesignEvaluation> {
  const parts = await evaluateInBatchesAsync(model, set.n, 250, async ({ indices }) => {
    const n = indices.length;
    const { images, labels } = batch(set, indices);
    const sims: tf.Tensor[] = [];
    const out = watchingInputs(
      model,
      (layer, x) => sims.push(tf.reshape(outputSimilarity(layer, x), [n, TOKENS])),
      () => model.forward(imagePatches(images, PATCH)),
    );
    const logits = out.logits;
    // The MoE FFN layers' routing only (a routed attention's aux routes heads, not FFN experts).
    const aux = ffnAux(out.aux);
    const perImage = (perLayer: tf.Tensor[]): tf.Tensor =>
      perLayer.length > 0 ? tf.mean(tf.stack(perLayer), [0, 2]) : tf.zeros([n]);
    const right = tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'int32');
    const loss = tf.losses.softmaxCrossEntropy(
      tf.oneHot(labels, 10),
      logits,
      undefined,
      undefined,
      tf.Reduction.NONE,
    );
    const perLayer = aux.map((a) => {
      const h = tf.neg(tf.sum(tf.mul(a.probs, tf.log(tf.add(a.probs, 1e-12))), -1));
      return tf.reshape(h, [n, TOKENS]);
    });
    const entropy = perImage(perLayer);
    const expertSim = perImage(sims);
    const dropped = aux.length > 0 ? tf.addN(aux.map((a) => a.dropped)) : tf.scalar(0);
    const [top1, values] = await Promise.all([
      Promise.all(aux.map((a) => tf.slice(a.indices, [0, 0], [-1, 1]).data())),
      Promise.all([right, loss, entropy, expertSim, dropped].map((t) => t.data())),
    ]);
    const [correct, lossValues, entropyValues, simValues, droppedValue] = values.map((v) => Array.from(v));
    return {
      top1: top1.map((t) => Array.from(t)),
      correct,
      loss: lossValues,
      entropy: entropyValues,
      expertSim: simValues,
      dropped: droppedValue[0],
      routed: aux.reduce((s, a) => s + a.indices.size, 0),
    };
  });
  const routed = parts.reduce((s, p) => s + p.routed, 0);
  return {
    correct: parts.flatMap((p) => p.correct),
    loss: parts.flatMap((p) => p.loss),
    entropy: parts.flatMap((p) => p.entropy),
    expertSim: parts.flatMap((p) => p.expertSim),
    dropRate: routed > 0 ? parts.reduce((s, p) => s + p.dropped, 0) / routed : 0,
    top1: (parts[0]?.top1 ?? []).map((_, l) => parts.flatMap((p) => p.top1[l])),
  };
}

/**
 * Expert weight similarity: the mean cosine similarity of every pair of experts of a layer (each
 * expert's weight matrices flattened into one vector), averaged over the MoE layers. 1 = identical
 * experts; about 0 for independently initialised ones. Awaited reads (every backend).
 */
export async function expertWeightSimilarity(model: TokenClassifier): Promise<number> {
  const layers = model.moeLayers();
  const sims: number[] = [];
  for (const layer of layers) {
    const e = layer.experts.numExperts;
    const offDiagonal = tf.tidy(() => {
      const mats = layer.experts
        .namedParameters()
        .filter(([, v]) => v.rank >= 3 && v.shape[0] === e) // per-expert tensors (not MPO's shared central one)
        .map(([, v]) => tf.reshape(v, [e, -1]));
      const flat = tf.concat(mats, 1);
      const unit = tf.div(flat, tf.add(tf.norm(flat, 'euclidean', 1, true), 1e-12));
      const gram = tf.matMul(unit, unit, false, true);
      return tf.sub(tf.sum(gram), tf.sum(tf.mul(gram, tf.eye(e))));
    });
    const value = (await offDiagonal.data())[0];
    offDiagonal.dispose();
    sims.push(e > 1 ? value / (e * (e - 1)) : 1);
  }
  return sims.reduce((s, v) => s + v, 0) / Math.max(1, sims.length);
}
