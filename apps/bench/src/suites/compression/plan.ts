/** Sizes of the compression suite per mode: no training, only calibration and evaluation. */

export interface CompressionPlan {
  /** Calibration samples (clips / images of the training split), drawn per seed. */
  calibrationSamples: number;
  /** Fashion-MNIST test images per class (the audio test set is the shipped model's whole held-out split). */
  visionTestPerClass: number;
}

/** Quick: 64 calibration samples, 1,000 test images; full: 256 and all 10,000. */
export function compressionPlan(quick: boolean): CompressionPlan {
  return quick
    ? { calibrationSamples: 64, visionTestPerClass: 100 }
    : { calibrationSamples: 256, visionTestPerClass: 1000 };
}
