/**
 * The bundled digit images: one MNIST test digit per class from the range no digit-VQA model was
 * trained on (multimodal's `MNIST_SPLITS.test`), written as 28 × 28 greyscale PNGs.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { writeImage } from '@moe-zoo/data';
import { DIGIT_NAMES, DIGIT_SIDE, loadDigitImages, MNIST_SPLITS } from '@moe-zoo/multimodal';
import type { VqaSample } from '../shared/catalog';

/** Writes `<app>/samples/vqa/*.png`; returns their catalogue entries. */
export async function writeVqaSamples(appDir: string): Promise<VqaSample[]> {
  const dir = path.join(appDir, 'samples', 'vqa');
  await fsp.mkdir(dir, { recursive: true });
  const digits = loadDigitImages(MNIST_SPLITS.test.from, 1);
  const side = DIGIT_SIDE * DIGIT_SIDE;
  const out: VqaSample[] = [];
  for (let i = 0; i < digits.n; i++) {
    const digit = digits.y[i];
    const name = `${DIGIT_NAMES[digit]}.png`;
    const data = digits.x.slice(i * side, (i + 1) * side);
    await writeImage(path.join(dir, name), {
      width: DIGIT_SIDE,
      height: DIGIT_SIDE,
      channels: 1,
      data,
    });
    out.push({ id: DIGIT_NAMES[digit], digit, file: `samples/vqa/${name}` });
  }
  return out.sort((a, b) => a.digit - b.digit);
}

/** The example questions the page offers: one or two of each family the VQA model was trained on. */
export const VQA_QUESTIONS = [
  'what is the digit ?',
  'is the digit even ?',
  'is the digit odd ?',
  'is the digit greater than five ?',
  'is the digit less than three ?',
  'more ink : top or bottom ?',
  'more ink : left or right ?',
] as const;
