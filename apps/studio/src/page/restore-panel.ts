/**
 * Task 1, restore a photo: a bundled sample (a held-out test photo degraded by one weather, with
 * its clean version) or a dropped image; degraded / restored (/ clean) side by side with PSNR,
 * the routing overlay per MoFME layer and the per-weather expert loads.
 */
import { tf } from '@moe-zoo/core';
import { psnr, type RestorationNet, type RgbImage } from '@moe-zoo/restoration';
import type { PhotoSample, SampleCatalog } from '../shared/catalog';
import { layerReport } from '../shared/report';
import { restoreWithRouting, type RoutedRestore } from '../shared/restore-with-routing';
import type { BalanceView } from './balance-view';
import { byId, el, nextFrame, onFileDrop, setStatus } from './dom';
import { coldNote, taskRunner } from './task-runner';
import { clearCanvas, decodeImageBlob, drawImage, fetchImage, MAX_DROPPED_SIDE } from './images';
import { restorationModel } from './models';
import { renderLegend, renderOverlays } from './routing-overlay';
import { report } from './studio-report';
import { WeatherLoads } from './weather-loads';

/** What one restore starts from. */
interface RestoreInput {
  label: string;
  weather: string;
  degraded: RgbImage;
  clean?: RgbImage;
}

/**
 * The restore and its PSNR read back asynchronously (`restoreImageAsync`, restoration's `psnr`),
 * but only the wasm path is checked against Node's results in headless Chromium.
 */
const WEBGPU_NOTE = '. Note: on WebGPU the restore is not verified here; ?backend=wasm is the tested path.';

/** PSNR (dB) of `a` against `b`, as restoration's `scoreImage` computes it in Node. */
async function psnrOf(a: RgbImage, b: RgbImage): Promise<number> {
  const [ta, tb] = [a, b].map((im) => tf.tensor4d(im.data, [1, im.height, im.width, 3]));
  try {
    const [value] = await psnr(ta, tb);
    return value;
  } finally {
    tf.dispose([ta, tb]);
  }
}

/**
 * Tiles per forward pass: restoreImage's default (64) on wasm and cpu, as in Node; 8 on webgpu,
 * where one large batch of convolutions can outlast a software adapter's watchdog (SwiftShader
 * lost the device on 64). Tiles are restored independently, so the result is the same.
 */
function batchTilesFor(backend: string): number | undefined {
  return backend === 'webgpu' ? 8 : undefined;
}

function dispatchOf(net: RestorationNet): string {
  const { ffn } = net.config;
  if (ffn.kind === 'mofme') return ffn.mofme.dispatch;
  return ffn.kind === 'moe' ? ffn.moe.dispatch : 'dense';
}

/** Wires the restore section of the page. */
export function setupRestorePanel(catalog: SampleCatalog, balance: BalanceView): void {
  const select = byId('restore-sample', HTMLSelectElement);
  const runButton = byId('restore-run', HTMLButtonElement);
  const allButton = byId('restore-all-weathers', HTMLButtonElement);
  const status = byId('restore-status', HTMLElement);
  const slotSelect = byId('overlay-slot', HTMLSelectElement);
  const overlays = byId('overlays', HTMLElement);
  const weatherLoads = new WeatherLoads(byId('weather-loads', HTMLElement));
  let modelLoaded = false;
  let last: { input: RestoreInput; routed: RoutedRestore } | undefined;

  select.replaceChildren(
    ...catalog.photos.map((p) =>
      el('option', { value: p.id }, `${p.photo} — ${p.weather} (${p.width}×${p.height})`),
    ),
  );

  const showOverlay = () => {
    if (!last) return;
    renderOverlays(
      overlays,
      last.input.degraded,
      last.routed.layout,
      last.routed.layers,
      Number(slotSelect.value),
    );
  };
  slotSelect.addEventListener('change', showOverlay);

  const restore = async (input: RestoreInput, started: number): Promise<void> => {
    const cold = !modelLoaded;
    const loadStart = performance.now();
    const net = await restorationModel(catalog.models.restoration);
    const modelMs = performance.now() - loadStart;
    modelLoaded = true;
    const routed = await restoreWithRouting(net, input.degraded, {
      batchTiles: batchTilesFor(tf.getBackend()),
    });
    const restoredPsnr = input.clean ? await psnrOf(routed.restored, input.clean) : undefined;
    const inputPsnr = input.clean ? await psnrOf(input.degraded, input.clean) : undefined;
    drawImage(byId('degraded-canvas', HTMLCanvasElement), input.degraded);
    drawImage(byId('restored-canvas', HTMLCanvasElement), routed.restored);
    const cleanCanvas = byId('clean-canvas', HTMLCanvasElement);
    if (input.clean) drawImage(cleanCanvas, input.clean);
    else clearCanvas(cleanCanvas);
    byId('clean-figure', HTMLElement).hidden = !input.clean;
    byId('degraded-caption', HTMLElement).textContent =
      `degraded: ${input.label}` + (inputPsnr === undefined ? '' : ` — ${inputPsnr.toFixed(2)} dB`);
    byId('restored-caption', HTMLElement).textContent =
      restoredPsnr === undefined || inputPsnr === undefined
        ? 'restored (no clean version: no PSNR)'
        : `restored — PSNR ${restoredPsnr.toFixed(2)} dB (${restoredPsnr >= inputPsnr ? '+' : ''}${(restoredPsnr - inputPsnr).toFixed(2)} dB)`;
    last = { input, routed };
    showOverlay();
    renderLegend(byId('expert-legend', HTMLElement), routed.layers[0]?.numExperts ?? 0);
    weatherLoads.set(
      input.weather,
      routed.layers.map((l) => l.metrics.load),
    );
    balance.show({
      task: 'Restore',
      input: input.label,
      dispatch: dispatchOf(net),
      assignments: routed.layers[0] ? routed.layers[0].indices.length : 0,
      layers: routed.layers.map((l) => l.metrics),
    });
    const ms = performance.now() - started;
    report.restore = {
      input: input.label,
      weather: input.weather,
      width: input.degraded.width,
      height: input.degraded.height,
      psnr: restoredPsnr,
      inputPsnr,
      tiles: routed.layout.tiles.map(([x, y]): [number, number] => [x, y]),
      tile: routed.layout.tile,
      patch: routed.layout.patch,
      calls: routed.calls,
      layers: routed.layers.map(layerReport),
      ms,
      cold,
      modelMs,
      sincePageStartMs: performance.now(),
    };
    report.restoreHistory.push({
      input: input.label,
      weather: input.weather,
      ms,
      cold,
      psnr: restoredPsnr,
      loads: routed.layers.map((l) => l.metrics.load),
    });
    report.restoreRuns++;
    const tiles = routed.layout.tiles.length;
    setStatus(
      status,
      'done',
      `Restored ${input.degraded.width}×${input.degraded.height} (${tiles} tiles) in ${ms.toFixed(0)} ms` +
        coldNote(cold) +
        (tf.getBackend() === 'webgpu' ? WEBGPU_NOTE : ''),
    );
  };

  const guarded = taskRunner({
    task: 'restore',
    buttons: [runButton, allButton],
    status,
    running: () => (modelLoaded ? 'Restoring…' : 'Loading the model and restoring…'),
    failed: 'Restore failed',
  });

  const sampleInput = async (sample: PhotoSample): Promise<RestoreInput> => {
    const [degraded, clean] = await Promise.all([fetchImage(sample.degraded), fetchImage(sample.clean)]);
    return { label: `${sample.photo}, ${sample.weather}`, weather: sample.weather, degraded, clean };
  };
  const selected = (): PhotoSample => {
    const sample = catalog.photos.find((p) => p.id === select.value);
    if (!sample) throw new Error(`no sample ${select.value}`);
    return sample;
  };

  runButton.addEventListener(
    'click',
    () => void guarded(async (t) => restore(await sampleInput(selected()), t)),
  );
  allButton.addEventListener(
    'click',
    () =>
      void guarded(async () => {
        const photo = selected().photo;
        for (const sample of catalog.photos.filter((p) => p.photo === photo)) {
          select.value = sample.id;
          setStatus(status, 'running', `Restoring ${sample.weather}…`);
          await nextFrame();
          await restore(await sampleInput(sample), performance.now());
        }
      }),
  );
  onFileDrop(
    byId('restore-drop', HTMLElement),
    byId('restore-file', HTMLInputElement),
    (file) =>
      void guarded(async (t) => {
        const degraded = await decodeImageBlob(file, MAX_DROPPED_SIDE);
        await restore({ label: file.name, weather: 'your image', degraded }, t);
      }),
  );
}
