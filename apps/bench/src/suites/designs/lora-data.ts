/**
 * The multi-task fine-tuning set of the LoRA arms, built on the real data sets: three 10-way tasks
 * a frozen Fashion-MNIST model was not trained for, mixed in every batch. The tasks need different
 * adaptations of the same features (a digit read two ways, clothes seen transposed), which the
 * input tells apart (contrast, orientation).
 */
import { loadImageDataset, type ImageDatasetName } from '@moe-zoo/data';
import type { ImageSet } from '../../data/fashion-mnist';
import type { LoraPlan } from './plan';

/** The tasks, in the order of their blocks in the test set. */
export const LORA_TASKS = ['digits', 'digits-inverted', 'fashion-transposed'] as const;
export type LoraTask = (typeof LORA_TASKS)[number];

/** A mixed set and the task of each image. */
export interface TaskSet extends ImageSet {
  task: Int32Array;
}

const SIDE = 28;

/** `count` images of a task, with its pixel transform and label map applied. */
function taskImages(
  dataset: ImageDatasetName,
  perClass: number,
  from: number,
  fromEnd: boolean,
  pixel: (image: Float32Array, out: Float32Array) => void,
  label: (y: number) => number,
): ImageSet {
  const s = loadImageDataset(dataset, { perClass, from, fromEnd, order: 'interleaved' });
  const size = SIDE * SIDE;
  const x = new Float32Array(s.n * size);
  const y = new Int32Array(s.n);
  for (let i = 0; i < s.n; i++) {
    pixel(s.images.subarray(i * size, (i + 1) * size), x.subarray(i * size, (i + 1) * size));
    y[i] = label(s.labels[i]);
  }
  return { x, y, n: s.n, height: SIDE, width: SIDE };
}

const same = (img: Float32Array, out: Float32Array): void => out.set(img);
const inverted = (img: Float32Array, out: Float32Array): void => {
  for (let p = 0; p < img.length; p++) out[p] = 1 - img[p];
};
const transposed = (img: Float32Array, out: Float32Array): void => {
  for (let r = 0; r < SIDE; r++) for (let c = 0; c < SIDE; c++) out[c * SIDE + r] = img[r * SIDE + c];
};

/** Concatenates the tasks' sets in order, recording each image's task. */
function mix(parts: readonly ImageSet[]): TaskSet {
  const n = parts.reduce((s, p) => s + p.n, 0);
  const size = SIDE * SIDE;
  const out: TaskSet = {
    x: new Float32Array(n * size),
    y: new Int32Array(n),
    task: new Int32Array(n),
    n,
    height: SIDE,
    width: SIDE,
  };
  let at = 0;
  parts.forEach((p, t) => {
    out.x.set(p.x, at * size);
    out.y.set(p.y, at);
    out.task.fill(t, at, at + p.n);
    at += p.n;
  });
  return out;
}

/**
 * The three tasks: `digits` (MNIST, the digit), `digits-inverted` (other MNIST images with inverted
 * contrast, the digit + 5 mod 10: the same digits, another answer), `fashion-transposed`
 * (Fashion-MNIST images after the `fashionUsed` ones the frozen model trained on, transposed, the
 * class). Train images come from the start of each class file, test images from its end, so the
 * splits are disjoint; the two MNIST tasks use disjoint images.
 */
export function loraTaskSets(plan: LoraPlan, fashionUsed: number): { train: TaskSet; test: TaskSet } {
  const { trainPerClass: tr, testPerClass: te } = plan;
  const shifted = (y: number): number => (y + 5) % 10;
  const id = (y: number): number => y;
  const train = mix([
    taskImages('mnist', tr, 0, false, same, id),
    taskImages('mnist', tr, tr, false, inverted, shifted),
    taskImages('fashion-mnist', tr, fashionUsed, false, transposed, id),
  ]);
  const test = mix([
    taskImages('mnist', te, 0, true, same, id),
    taskImages('mnist', te, te, true, inverted, shifted),
    taskImages('fashion-mnist', te, 0, true, transposed, id),
  ]);
  return { train, test };
}
