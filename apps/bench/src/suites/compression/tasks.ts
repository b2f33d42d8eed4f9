/**
 * The zoo models the compression suite compresses, with their data: the shipped
 * `spoken-digits-moe` (audio) on the held-out voices of its training split and the shipped
 * `vmoe-fashion` (vision) on the Fashion-MNIST test split; calibration samples come from each
 * model's training split, drawn per seed.
 */
import {
  AudioTransformer,
  loadAudioModel,
  loadPretrained as loadAudioPretrained,
  loadSpokenDigits,
  saveAudioModel,
  type AudioSet,
} from '@moe-zoo/audio';
import {
  imagePatches,
  makeRng,
  permutation,
  tf,
  type ProgressHandle,
  type TokenClassifier,
} from '@moe-zoo/core';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import {
  loadFashion,
  loadPretrained as loadVisionPretrained,
  loadViTModel,
  saveViTModel,
  ViT,
  type LabelledImages,
} from '@moe-zoo/vision';
import { SPOKEN_DIGITS_MOE, trainSpokenDigitsModel } from '../../zoo/recipes/audio';
import { trainFashionViT, VMOE_FASHION } from '../../zoo/recipes/vision';
import { evenlySpaced, type CompressionPlan } from './plan';

type Progress = (label: string, total: number) => ProgressHandle;

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
  /** The zoo recipe the model was trained by: its settings and seed (from the model's card). */
  recipe: { settings: Record<string, string | number | boolean>; seed: number };
  /** An untrained model of the shipped architecture with a dense FFN of width `hidden` in every block. */
  denseModel(hidden: number): TokenClassifier;
  /** That dense model trained by the recipe (same data, epochs, batch, seed). */
  trainDense(hidden: number, progress: Progress): Promise<{ model: TokenClassifier; seconds: number }>;
  saveDense(dir: string, model: TokenClassifier): Promise<void>;
  loadDense(dir: string): Promise<TokenClassifier>;
  dispose(): void;
}

/** The recipe the shipped model was trained by, checked against the recipe's current settings. */
function recipeOf(
  name: string,
  card: { recipe: { settings: Record<string, string | number | boolean>; seed: number } } | undefined,
  settings: Record<string, string | number | boolean>,
): ZooTask['recipe'] {
  if (!card) throw new Error(`${name}: the shipped model has no card (card.json) to read its recipe from`);
  const shipped = JSON.stringify(card.recipe.settings);
  if (shipped !== JSON.stringify(settings))
    throw new Error(
      `${name}: the shipped model was trained with ${shipped}, its recipe now says ${JSON.stringify(settings)}: retrain it (npm run zoo -- ${name}) first`,
    );
  return { settings, seed: card.recipe.seed };
}

function asModel<T extends TokenClassifier>(model: TokenClassifier, kind: new (...args: never[]) => T): T {
  if (!(model instanceof kind)) throw new Error(`expected a ${kind.name}, got a ${model.constructor.name}`);
  return model;
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

/**
 * `spoken-digits-moe` on the test clips of its own split (seed 0: voices it never heard, every
 * SNR): all of them, or `plan.audioTestClips` spread evenly through the split.
 */
export async function audioTask(plan: CompressionPlan): Promise<ZooTask> {
  const loaded = await loadAudioPretrained('spoken-digits-moe');
  const model = asModel(loaded.model, AudioTransformer);
  const recipe = recipeOf('spoken-digits-moe', loaded.card, SPOKEN_DIGITS_MOE.card.settings);
  const data = loadSpokenDigits(ensureSpokenDigits({ seed: 0 }), { seed: 0 });
  const clips = evenlySpaced(data.test.n, plan.audioTestClips);
  return {
    name: 'spoken-digits-moe',
    modality: 'audio',
    model,
    testLabels: Int32Array.from(clips, (i) => data.test.y[i]),
    testInputs: (indices) =>
      audioInputs(
        data.test,
        Array.from(indices, (i) => clips[i]),
      ),
    calibrationInputs: (seed, count) => audioInputs(data.train, drawn(data.train.n, count, seed)),
    recipe,
    denseModel: (hidden) => new AudioTransformer({ ...model.config, ffn: { kind: 'dense', hidden } }),
    trainDense: (hidden, progress) =>
      trainSpokenDigitsModel({ kind: 'dense', hidden }, recipe.seed, progress),
    saveDense: (dir, dense) => saveAudioModel(dir, asModel(dense, AudioTransformer)),
    loadDense: async (dir) => (await loadAudioModel(dir)).model,
    dispose: () => model.dispose(),
  };
}

/** `vmoe-fashion` on `plan.visionTestPerClass` test images per class (the same images every seed). */
export async function visionTask(plan: CompressionPlan): Promise<ZooTask> {
  const loaded = await loadVisionPretrained('vmoe-fashion');
  const vit = asModel(loaded.model, ViT);
  const recipe = recipeOf('vmoe-fashion', loaded.card, VMOE_FASHION.card.settings);
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
    recipe,
    denseModel: (hidden) => new ViT({ ...vit.config, ffn: { kind: 'dense', hidden } }),
    trainDense: (hidden, progress) => trainFashionViT({ kind: 'dense', hidden }, recipe.seed, progress),
    saveDense: (dir, dense) => saveViTModel(dir, asModel(dense, ViT)),
    loadDense: async (dir) => (await loadViTModel(dir)).model,
    dispose: () => vit.dispose(),
  };
}
