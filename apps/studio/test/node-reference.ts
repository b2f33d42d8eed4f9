/**
 * The Node side of the studio test: the same shipped models and the same bundled inputs through
 * the packages' Node entries (`loadPretrained`, sharp image decoding, `loadWav`, `classifyWav`).
 */
import { loadPretrained as loadAudioModel, loadWav, classifyWav } from '@moe-zoo/audio';
import { loadPretrained as loadRestorationModel, readImageFile, scoreImage } from '@moe-zoo/restoration';
import { classifyWithRouting, type RoutedClassification } from '../src/shared/digit-routing';
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
    return { ...routed, psnr: scoreImage(routed.restored, await readImageFile(cleanFile)).psnr };
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
