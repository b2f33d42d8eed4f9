/** Sizes of the compression suite per mode: no training, only calibration and evaluation. */

export interface CompressionPlan {
  /** Calibration samples (clips / images of the training split), drawn per seed. */
  calibrationSamples: number;
  /** Fashion-MNIST test images per class (the audio test set is the shipped model's held-out split). */
  visionTestPerClass: number;
  /** Audio test clips: this many of the held-out split, evenly spaced through it (absent: every clip). */
  audioTestClips?: number;
  /**
   * Whether a dense reference missing from the cache is trained (by the zoo recipe: thousands of
   * steps). When not, a cached one is still used, and without one its row and claim are left out.
   */
  trainDenseReference: boolean;
}

/**
 * Quick: 64 calibration samples, 1,000 test images; full: 256 and all 10,000; both every held-out
 * audio clip, the dense references trained when not cached. Tiny (`--tiny`, a smoke run on slow
 * backends such as software WebGPU): 16 calibration samples, 100 test images, 120 of the audio
 * clips, and the dense references only from the cache (never trained: the zoo recipes take
 * thousands of steps).
 */
export function compressionPlan(quick: boolean, tiny = false): CompressionPlan {
  if (tiny)
    return {
      calibrationSamples: 16,
      visionTestPerClass: 10,
      audioTestClips: 120,
      trainDenseReference: false,
    };
  return quick
    ? { calibrationSamples: 64, visionTestPerClass: 100, trainDenseReference: true }
    : { calibrationSamples: 256, visionTestPerClass: 1000, trainDenseReference: true };
}

/**
 * `count` indices spread evenly over `n` items (every item when `count` is absent or at least `n`).
 *
 * @example
 * ```ts
 * evenlySpaced(10, 4); // [0, 2, 5, 7]
 * ```
 */
export function evenlySpaced(n: number, count?: number): number[] {
  const m = count === undefined ? n : Math.min(n, count);
  return Array.from({ length: m }, (_, i) => Math.floor((i * n) / m));
}
