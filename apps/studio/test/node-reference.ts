/**
 * The Node side of the studio test: the same shipped models and the same bundled inputs through
 * the packages' Node entries (`loadPretrained`, sharp image decoding, `loadWav`, `classifyWav`,
 * `answerQuestion`).
 */
import { loadPretrained as loadAudioModel, loadWav, classifyWav } from '@moe-zoo/audio';
import { loadPretrained as loadRestorationModel, readImageFile, scoreImage } from '@moe-zoo/restoration';
import { readImage } from '@moe-zoo/data';
import { answerQuestion, loadPretrained as loadMultimodalModel } from '@moe-zoo/multimodal';
import { classifyWithRouting, type RoutedClassification } from '../src/shared/digit-routing';
import { answerWithRouting, type RoutedAnswer } from '../src/shared/vqa-routing';
import { restoreWithRouting, type RoutedRestore } from '../src/shared/restore-with-routing';

/** A restore in Node and its PSNR against the clean image. */
export interface NodeRestore extends RoutedRestore {
  psnr: number;
}

/** Restores `degradedFile` with the shipped `mofme-deweather`, keeping the routing. */
export async function restoreInNode(degradedFile: string, cleanFile: string): Promise<NodeRestore> {
  const { model } = await loadRestorationModel('mofme-deweather');
  try {
    const routed = await restoreWithRouting(model, await readImageFile(degradedFile));
    return { ...routed, psnr: (await scoreImage(routed.restored, await readImageFile(cleanFile))).psnr };
  } finally {
    model.dispose();
  }
}

/** Classifies a WAV file with `classifyWav` and, for the routing, the shipped model's forward pass. */
export async function classifyInNode(
  wavFile: string,
): Promise<{ digit: number; routed: RoutedClassification }> {
  const { digit } = await classifyWav(wavFile);
  const { model } = await loadAudioModel('spoken-digits-moe');
  try {
    return { digit, routed: await classifyWithRouting(model, await loadWav(wavFile)) };
  } finally {
    model.dispose();
  }
}

/**
 * Answers `question` about a digit image file with `answerQuestion` and, for the routing, the
 * shipped `moiie-digit-vqa`'s forward pass; the two must agree.
 */
export async function answerInNode(imageFile: string, question: string): Promise<RoutedAnswer> {
  const { model } = await loadMultimodalModel('moiie-digit-vqa');
  try {
    const { answer } = await answerQuestion(model, imageFile, question);
    const pixels = (await readImage(imageFile, { width: 28, height: 28, channels: 1, fit: 'contain' })).data;
    const routed = await answerWithRouting(model, pixels, question);
    if (routed.answer !== answer)
      throw new Error(`answerQuestion says "${answer}", the routed forward pass "${routed.answer}"`);
    return routed;
  } finally {
    model.dispose();
  }
}
