/**
 * `npm run build` of apps/studio: writes the static web app to `apps/studio/dist/app/` (the
 * bundled page script, html / css, tfjs's wasm binaries, the shipped checkpoints, the sample
 * photos, spoken digits and digit images and their catalogue `samples.json`). Everything the page loads is in
 * that folder: no CDN.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { initBackend } from '@moe-zoo/core';
import { CATALOG_FILE, type SampleCatalog } from '../shared/catalog';
import { bundlePage } from './bundle-page';
import { copyModel, copyStatic, copyWasm } from './copy-assets';
import { writeDigitSamples } from './digit-samples';
import { APP_DIR, PAGE_ENTRY, STATIC_DIR } from './paths';
import { writePhotoSamples } from './photo-samples';
import { VQA_QUESTIONS, writeVqaSamples } from './vqa-samples';

async function main(): Promise<void> {
  const started = Date.now();
  await initBackend();
  await fsp.rm(APP_DIR, { recursive: true, force: true });
  await fsp.mkdir(APP_DIR, { recursive: true });
  await bundlePage(PAGE_ENTRY, APP_DIR);
  await copyStatic(STATIC_DIR, APP_DIR);
  await copyWasm(APP_DIR);
  const catalog: SampleCatalog = {
    models: {
      restoration: await copyModel('@moe-zoo/restoration', 'mofme-deweather', APP_DIR),
      audio: await copyModel('@moe-zoo/audio', 'spoken-digits-moe', APP_DIR),
      vqa: await copyModel('@moe-zoo/multimodal', 'moiie-digit-vqa', APP_DIR),
    },
    photos: await writePhotoSamples(APP_DIR),
    digits: await writeDigitSamples(APP_DIR),
    vqaImages: await writeVqaSamples(APP_DIR),
    questions: [...VQA_QUESTIONS],
  };
  await fsp.writeFile(path.join(APP_DIR, CATALOG_FILE), `${JSON.stringify(catalog, null, 1)}\n`);
  console.log(
    `studio: built ${path.relative(process.cwd(), APP_DIR)} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().then(
  // wasm's worker threads would keep Node alive.
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
