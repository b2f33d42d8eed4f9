/**
 * `samples.json`, written by the build (src/node/build.ts) and read by the page: the bundled
 * sample photos, spoken digits and digit images with example questions, and where the models'
 * checkpoint folders are served.
 */

/** One held-out test photo degraded by one weather type, with its clean version. */
export interface PhotoSample {
  id: string;
  /** The test photo's name (restoration's TEST_PHOTOS). */
  photo: string;
  weather: string;
  /** URLs of the degraded and the clean PNG, relative to the page. */
  degraded: string;
  clean: string;
  width: number;
  height: number;
  /** PSNR of the degraded PNG against the clean PNG, dB. */
  inputPsnr: number;
}

/** One spoken digit of a voice the model never heard in training. */
export interface DigitSample {
  id: string;
  digit: number;
  word: string;
  voice: string;
  /** URL of the WAV, relative to the page. */
  file: string;
}

/** One MNIST test digit no digit-VQA model was trained on, as a 28 × 28 greyscale PNG. */
export interface VqaSample {
  id: string;
  digit: number;
  /** URL of the PNG, relative to the page. */
  file: string;
}

/** The whole catalogue. */
export interface SampleCatalog {
  models: { restoration: string; audio: string; vqa: string };
  photos: PhotoSample[];
  digits: DigitSample[];
  vqaImages: VqaSample[];
  /** Example questions in the words the VQA model knows. */
  questions: string[];
}

/** Where the catalogue is served, relative to the page. */
export const CATALOG_FILE = 'samples.json';

/** Box-downscaling factor of the bundled photos (the factor the restoration model's patches were cut at). */
export const PHOTO_DOWNSCALE = 3;
