/**
 * The built studio (apps/studio/dist/app, `npm run build`) in headless Chromium (Debian's
 * `chromium`, driven by puppeteer-core): served from 127.0.0.1 as `npm run studio` serves it, it
 * restores a bundled photo (twice: cold and warm), classifies a bundled spoken digit and answers a
 * question about a bundled digit image, with no console error; the results equal Node's for the
 * same model and input (restored PSNR within 0.01 dB, the same class and answer, the same experts
 * on wasm), the routing overlay shows exactly the
 * experts of the model's own routing output, and the full-page screenshot is not blank.
 * `UPDATE_STUDIO_SCREENSHOT=1` copies the screenshot to docs/studio.png.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { promisify } from 'util';
import { initBackend } from '@moe-zoo/core';
import { encodeImage, readImageFile, WEATHER_TYPES } from '@moe-zoo/restoration';
import { expertMap } from '../src/shared/expert-map';
import { expertOfColour } from '../src/shared/palette';
import type { RestoreReport, RestoreRun, StudioReport } from '../src/shared/report';
import { packageDir } from '../src/node/paths';
import { startStudioServer } from '../src/node/static-server';
import { findChromium } from '@moe-zoo/browser-test';
import { answerInNode, classifyInNode, restoreInNode, type NodeRestore } from './node-reference';

const run = promisify(execFile);
const APP = path.resolve(__dirname, '..', 'dist', 'app');
const PHOTO = 'locomotion-house-cat-rain';
const DIGIT = 'seven';
const VQA_IMAGE = 'seven';
const QUESTION = 'Is the digit odd?';
/** The files the test picks as a user would: the shipped models' own examples (the image as a JPEG). */
const EXAMPLE_RAINY = path.join(
  packageDir('@moe-zoo/restoration'),
  'models',
  'mofme-deweather',
  'example-rainy.png',
);
const EXAMPLE_SEVEN = path.join(
  packageDir('@moe-zoo/audio'),
  'models',
  'spoken-digits-moe',
  'example-seven.wav',
);

interface Overlay {
  layer: number;
  width: number;
  height: number;
  rgba: string;
}

interface StudioRun {
  readyMs: number;
  cold: RestoreReport;
  weatherRows: string[];
  report: StudioReport;
  overlays: Overlay[];
  dropped: { restore: RestoreReport; cleanHidden: boolean; digit: StudioReport['digit'] };
  errors: string[];
}

let dir: string;
let page: StudioRun;
let screenshot: string;
let node: NodeRestore;
let nodeDigit: Awaited<ReturnType<typeof classifyInNode>>;
let nodeAnswer: Awaited<ReturnType<typeof answerInNode>>;
/** The second restore: the same sample again, model loaded (the warm run). */
let warm: RestoreRun;

beforeAll(async () => {
  if (!fs.existsSync(path.join(APP, 'index.html'))) {
    throw new Error(
      `${APP} is not built: run \`npx nx run @moe-zoo/studio:build\` (nx runs it before this test)`,
    );
  }
  const chromium = findChromium('the studio test opens the app in it');
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-studio-'));
  screenshot = path.join(dir, 'studio.png');
  const droppedImage = path.join(dir, 'rainy.jpg');
  await fsp.writeFile(droppedImage, encodeImage(await readImageFile(EXAMPLE_RAINY), 'jpeg'));
  const server = await startStudioServer(APP);
  try {
    const script = path.join(__dirname, 'browser', 'run-studio.js');
    const { stdout } = await run(
      process.execPath,
      [
        script,
        chromium,
        server.url,
        PHOTO,
        DIGIT,
        screenshot,
        droppedImage,
        EXAMPLE_SEVEN,
        VQA_IMAGE,
        QUESTION,
      ],
      {
        timeout: 150_000,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    page = JSON.parse(stdout) as StudioRun;
    warm = page.report.restoreHistory[1];
  } finally {
    await server.close();
  }
  await initBackend();
  const catalog = JSON.parse(await fsp.readFile(path.join(APP, 'samples.json'), 'utf8')) as {
    photos: { id: string; degraded: string; clean: string }[];
    digits: { id: string; file: string }[];
    vqaImages: { id: string; file: string }[];
  };
  const photo = catalog.photos.find((p) => p.id === PHOTO);
  const digit = catalog.digits.find((d) => d.id === DIGIT);
  const vqaImage = catalog.vqaImages.find((v) => v.id === VQA_IMAGE);
  if (!photo || !digit || !vqaImage) throw new Error('the catalogue lacks the test samples');
  node = await restoreInNode(path.join(APP, photo.degraded), path.join(APP, photo.clean));
  nodeDigit = await classifyInNode(path.join(APP, digit.file));
  nodeAnswer = await answerInNode(path.join(APP, vqaImage.file), QUESTION);
}, 240_000);

afterAll(async () => {
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

describe('the studio in headless Chromium', () => {
  it('starts a backend (wasm here: no GPU) and runs the three tasks without a console error', () => {
    expect(page.errors).toEqual([]);
    expect(page.report.errors).toEqual([]);
    expect(page.report.backend?.name).toBe('wasm');
    expect(page.report.backend?.crossOriginIsolated).toBe(true);
    const [load1] = os.loadavg();
    console.log(
      `studio restore (${page.cold.width}x${page.cold.height}, ${page.cold.tiles.length} tiles) on ${page.report.backend?.described}, ` +
        `load average ${load1.toFixed(1)} on ${os.cpus().length} cores: first result ${page.cold.ms.toFixed(0)} ms after the click ` +
        `(cold: ${page.cold.modelMs.toFixed(0)} ms of it fetching and loading the model), ${page.cold.sincePageStartMs.toFixed(0)} ms after ` +
        `navigation; warm ${warm.ms.toFixed(0)} ms; PSNR ${page.cold.psnr?.toFixed(4)} dB in the page, ${node.psnr.toFixed(4)} dB in Node; ` +
        `digit "${page.report.digit?.word}" ${page.report.digit?.ms.toFixed(0)} ms (cold); ` +
        `answer "${page.report.vqa?.answer}" ${page.report.vqa?.ms.toFixed(0)} ms (cold)`,
    );
    expect(page.cold.cold).toBe(true);
    expect(warm.cold).toBe(false);
  });

  it('restores the bundled photo as Node does: PSNR within 0.01 dB, the same experts', () => {
    const r = page.cold;
    expect(r.psnr).toBeDefined();
    expect(Math.abs((r.psnr ?? NaN) - node.psnr)).toBeLessThan(0.01);
    expect(warm.psnr).toBe(r.psnr);
    expect((r.psnr ?? 0) - (r.inputPsnr ?? Infinity)).toBeGreaterThan(1); // it does restore
    expect(r.tiles).toEqual(node.layout.tiles);
    expect(r.layers).toHaveLength(node.layers.length);
    r.layers.forEach((layer, l) => {
      // Every token of every tile is routed once per choice: the tile grid is restoreImage's.
      expect(layer.indices).toHaveLength(r.tiles.length * (r.tile / r.patch) ** 2 * layer.k);
      expect(layer.indices).toEqual(Array.from(node.layers[l].indices));
      expect(layer.metrics.load).toHaveLength(layer.numExperts);
      expect(layer.metrics.maxVio).toBeCloseTo(node.layers[l].metrics.maxVio, 9);
    });
  });

  it("draws the routing overlay from the model's own routing output, expert by expert", () => {
    expect(page.overlays).toHaveLength(node.layers.length);
    for (const overlay of page.overlays) {
      const layer = node.layers[overlay.layer];
      expect([overlay.width, overlay.height]).toEqual([node.layout.width, node.layout.height]);
      const rgba = Buffer.from(overlay.rgba, 'base64');
      const shown = new Int16Array(overlay.width * overlay.height);
      for (let p = 0; p < shown.length; p++) {
        shown[p] =
          rgba[p * 4 + 3] === 0
            ? -1
            : expertOfColour(rgba[p * 4], rgba[p * 4 + 1], rgba[p * 4 + 2], layer.numExperts);
      }
      const expected = expertMap(node.layout, layer.indices, layer.k, 0);
      expect(Array.from(shown)).toEqual(Array.from(expected));
      expect(new Set(shown).size).toBeGreaterThan(1);
    }
  });

  it("restores the photo in every weather and shows each weather's expert loads", () => {
    const history = page.report.restoreHistory;
    expect(history.map((h) => h.weather)).toEqual(['rain', ...WEATHER_TYPES]);
    expect(page.weatherRows).toEqual([...WEATHER_TYPES]);
    for (const run of history) {
      expect(run.psnr).toBeGreaterThan(0);
      for (const load of run.loads) expect(load.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
  });

  it('classifies the bundled spoken digit as Node does, with the same experts per token', () => {
    const d = page.report.digit;
    expect(d).toBeDefined();
    expect(d?.digit).toBe(nodeDigit.digit);
    expect(d?.digit).toBe(7);
    d?.layers.forEach((layer, l) => {
      expect(layer.indices).toEqual(Array.from(nodeDigit.routed.layers[l].indices));
    });
    d?.probs.forEach((p, c) => expect(Math.abs(p - nodeDigit.routed.probs[c])).toBeLessThan(1e-4));
  });

  it('answers the question about the bundled digit image as Node does, with the same experts per token', () => {
    const v = page.report.vqa;
    expect(v?.question).toBe(QUESTION);
    expect(v?.answer).toBe(nodeAnswer.answer);
    expect(v?.answer).toBe('yes'); // seven is odd
    for (const [answer, p] of Object.entries(nodeAnswer.probs))
      expect(Math.abs((v?.probs[answer] ?? NaN) - p)).toBeLessThan(1e-4);
    expect(v?.kinds).toEqual(nodeAnswer.kinds);
    expect(v?.layers).toHaveLength(nodeAnswer.layers.length);
    expect(nodeAnswer.layers.length).toBeGreaterThan(0);
    v?.layers.forEach((layer, l) => {
      const node = nodeAnswer.layers[l];
      expect(layer.indices).toEqual(Array.from(node.indices));
      // MoIIE: the image router picks image-only or shared experts, the text router shared or text-only.
      expect(layer.roles).toEqual(['image only', 'shared', 'shared', 'text only']);
      expect(layer.shares.image.intra + layer.shares.image.inter).toBeCloseTo(1, 9);
      expect(layer.shares.text.intra + layer.shares.text.inter).toBeCloseTo(1, 9);
      expect(layer.shares).toEqual(node.shares);
    });
  });

  it('restores a JPEG and classifies a WAV picked by the user', async () => {
    const r = page.dropped.restore;
    expect([r.weather, r.width, r.height, r.psnr]).toEqual(['your image', 320, 240, undefined]);
    expect(page.dropped.cleanHidden).toBe(true);
    expect(page.weatherRows).not.toContain('your image'); // read before the drop
    expect(page.dropped.digit?.digit).toBe((await classifyInNode(EXAMPLE_SEVEN)).digit);
    expect(page.dropped.digit?.word).toBe('seven');
  });

  it('shows something: the full-page screenshot is not blank', async () => {
    const png = PNG.sync.read(await fsp.readFile(screenshot));
    expect(png.width).toBeGreaterThan(800);
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4 * 7) {
      colours.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
    }
    expect(colours.size).toBeGreaterThan(500);
    if (process.env.UPDATE_STUDIO_SCREENSHOT === '1') {
      await fsp.copyFile(screenshot, path.resolve(__dirname, '..', '..', '..', 'docs', 'studio.png'));
    }
  });
});
