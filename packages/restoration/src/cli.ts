#!/usr/bin/env node
import { initBackend } from '@moe-zoo/core';
import { readImageFile, writeImageFile, ImageError } from './image-io';
import { loadRestorationModel } from './model-files';
import { restoreImage } from './restore';

const USAGE =
  'usage: moe-restore <checkpoint-dir> <input.jpg|png|webp> <output.png|jpg|webp> [--max-pixels N]';

/** The `moe-restore` command: restores one image with a saved restoration net. */
export async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => !a.startsWith('--'));
  const limitAt = argv.indexOf('--max-pixels');
  const maxPixels = limitAt >= 0 ? Number(argv[limitAt + 1]) : undefined;
  if (limitAt >= 0) args.splice(args.indexOf(argv[limitAt + 1]), 1);
  if (args.length !== 3 || (maxPixels !== undefined && !(maxPixels > 0))) {
    console.error(USAGE);
    return 2;
  }
  const [ckpt, input, output] = args;
  try {
    await initBackend();
    const { model: net } = await loadRestorationModel(ckpt);
    const img = await readImageFile(input, { maxPixels });
    const start = Date.now();
    const restored = restoreImage(net, img, { maxPixels });
    await writeImageFile(output, restored);
    console.log(
      `${input} (${img.width}x${img.height}) -> ${output} in ${((Date.now() - start) / 1000).toFixed(1)} s`,
    );
    net.dispose();
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    console.error(`moe-restore: ${e instanceof ImageError ? `[${e.code}] ` : ''}${msg}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
