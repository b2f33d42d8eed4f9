/** One-call image classification with a {@link ViT} / V-MoE classifier (e.g. the shipped `vmoe-fashion`). */
import { imagePatches, tf } from '@moe-zoo/core';
import { readImage } from '../image/io';
import { FASHION_CLASSES } from '../data/vocab';
import type { ViT } from './vmoe';

/** What {@link classifyImage} returns. */
export interface ImageClass {
  /** The most probable class index. */
  label: number;
  /** Its name (Fashion-MNIST: `tshirt`, `trouser`, ... `boot`). */
  name: string;
  /** Softmax probability of every class, in label order. */
  probs: number[];
}

async function pixels(image: string | ArrayLike<number>, size: number): Promise<Float32Array> {
  if (typeof image === 'string') {
    const img = await readImage(image, { width: size, height: size, channels: 1, fit: 'contain' });
    return img.data;
  }
  if (image.length !== size * size) {
    throw new Error(
      `classifyImage: the image has ${image.length} values, expected ${size}x${size} = ${size * size}`,
    );
  }
  return Float32Array.from(image);
}

/**
 * Classifies one greyscale image: a file (PNG / JPEG / WebP, resized to the model's input side,
 * greyscale; an `ImageError` names a bad file) or `size × size` values in [0, 1], row-major, light
 * object on a dark background as in Fashion-MNIST.
 *
 * @example
 * ```ts
 * const { model } = await loadPretrained('vmoe-fashion');
 * const { name, probs } = await classifyImage(model, 'sneaker.png');
 * ```
 */
export async function classifyImage(
  model: ViT,
  image: string | ArrayLike<number>,
  classNames: readonly string[] = FASHION_CLASSES,
): Promise<ImageClass> {
  const { imageSize, patch } = model.config;
  const x = await pixels(image, imageSize);
  const wasTraining = model.training;
  model.eval();
  try {
    const soft = tf.tidy(() =>
      tf.softmax(model.forward(imagePatches(tf.tensor3d(x, [1, imageSize, imageSize]), patch)).logits),
    );
    const probs = Array.from(await soft.data());
    soft.dispose();
    const label = probs.indexOf(Math.max(...probs));
    return { label, name: classNames[label] ?? String(label), probs };
  } finally {
    if (wasTraining) model.train();
  }
}
