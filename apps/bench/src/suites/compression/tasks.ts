/**
 * The zoo models the compression suite compresses, with their data: the shipped
 * `spoken-digits-moe` (audio) on the held-out voices of its training split and the shipped
 * `vmoe-fashion` (vision) on the Fashion-MNIST test split; calibration samples come from each
 * model's training split, drawn per seed.
 */
import {
  loadPretrained as loadAudioModel,
  loadSpokenDigits,
  type AudioSet,
  type AudioTransformer,
} from '@moe-zoo/audio';
import { imagePatches, makeRng, permutation, tf, type TokenClassifier } from '@moe-zoo/core';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import {
  loadFashion,
  loadPretrained as loadVisionModel,
  type LabelledImages,
  type ViT,
} from '@moe-zoo/vision';
import type { CompressionPlan } from './plan';

/** One model and its data. */
export interface ZooTask {
  /** The zoo name of the model (`spoken-digits-moe`). */
  name: string;
  modality: 'audio' | 'vision';
  model: TokenClassifier;
  /** Test labels; `testInputs(indices)` gives the model's inputs [B, L, inputDim] of those items. */
  testLabels: Int32Array;
  testInputs(indices: ArrayLike<number>): tf.Tensor3D;
  /** `count` training samples drawn with `seed`, as model inputs [count, L, inputDim]. */
  calibrationInputs(seed: number, count: number): tf.Tensor3D;
  dispose(): void;
}

function drawn(n: number, count: number, seed: number): number[] {
  return Array.from(permutation(n, makeRng(seed * 104729 + 17)).subarray(0, Math.min(count, n)));
}

function audioInputs(set: AudioSet, indices: ArrayLike<number>): tf.Tensor3D {
  const per = set.tokens * set.dims;
  const x = new Float32Array(indices.length * per);
  for (let i = 0; i < indices.length; i++)
    x.set(set.x.subarray(indices[i] * per, (indices[i] + 1) * per), i * per);
  return tf.tensor3d(x, [indices.length, set.tokens, set.dims]);
}

function imageInputs(set: LabelledImages, indices: ArrayLike<number>, patch: number): tf.Tensor3D {
  const per = set.size * set.size;
  const x = new Float32Array(indices.length * per);
  for (let i = 0; i < indices.length; i++)
    x.set(set.x.subarray(indices[i] * per, (indices[i] + 1) * per), i * per);
  return tf.tidy(() => imagePatches(tf.tensor3d(x, [indices.length, set.size, set.size]), patch));
}

/** `spoken-digits-moe` on the test clips of its own split (seed 0: voices it never heard, every SNR). */
export async function audioTask(): Promise<ZooTask> {
  const { model } = await loadAudioModel('spoken-digits-moe');
  const data = loadSpokenDigits(ensureSpokenDigits({ seed: 0 }), { seed: 0 });
  return {
    name: 'spoken-digits-moe',
    modality: 'audio',
    model: model as AudioTransformer,
    testLabels: data.test.y,
    testInputs: (indices) => audioInputs(data.test, indices),
    calibrationInputs: (seed, count) => audioInputs(data.train, drawn(data.train.n, count, seed)),
    dispose: () => model.dispose(),
  };
}

/** `vmoe-fashion` on `plan.visionTestPerClass` test images per class (the same images every seed). */
export async function visionTask(plan: CompressionPlan): Promise<ZooTask> {
  const { model } = await loadVisionModel('vmoe-fashion');
  const vit = model as ViT;
  const { test } = loadFashion({ trainPerClass: 1, testPerClass: plan.visionTestPerClass, seed: 0 });
  const patch = vit.config.patch;
  return {
    name: 'vmoe-fashion',
    modality: 'vision',
    model: vit,
    testLabels: test.y,
    testInputs: (indices) => imageInputs(test, indices, patch),
    calibrationInputs: (seed, count) => {
      const { train } = loadFashion({
        trainPerClass: Math.ceil(count / 10),
        testPerClass: 1,
        seed: seed + 1,
      });
      return imageInputs(train, drawn(train.n, count, seed), patch);
    },
    dispose: () => vit.dispose(),
  };
}
