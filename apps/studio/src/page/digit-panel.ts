/**
 * Task 2, classify a spoken digit: a bundled clip (a voice the model never heard) or a dropped
 * file; the class probabilities and the expert usage per token as lanes.
 */
import { DIGIT_WORDS, type AudioSignal } from '@moe-zoo/audio';
import type { DigitSample, SampleCatalog } from '../shared/catalog';
import { classifyWithRouting } from '../shared/digit-routing';
import { layerReport } from '../shared/report';
import { decodeAudio } from './audio-decode';
import type { BalanceView } from './balance-view';
import { renderLanes } from './digit-lanes';
import { byId, el, onFileDrop, setStatus } from './dom';
import { coldNote, taskRunner } from './task-runner';
import { digitModel } from './models';
import { report } from './studio-report';

function renderProbs(container: HTMLElement, probs: readonly number[], digit: number): void {
  container.replaceChildren(
    el('div', { class: 'answer', 'data-digit': String(digit) }, `“${DIGIT_WORDS[digit] ?? digit}”`),
    ...probs.map((p, d) =>
      el(
        'div',
        { class: d === digit ? 'row top' : 'row' },
        el('span', {}, DIGIT_WORDS[d] ?? String(d)),
        el('div', { class: 'bar', style: `width:${(100 * p).toFixed(1)}%` }),
        el('span', {}, `${(100 * p).toFixed(1)}%`),
      ),
    ),
  );
}

/** Wires the digit section of the page. */
export function setupDigitPanel(catalog: SampleCatalog, balance: BalanceView): void {
  const select = byId('digit-sample', HTMLSelectElement);
  const runButton = byId('digit-run', HTMLButtonElement);
  const status = byId('digit-status', HTMLElement);
  const audio = byId('digit-audio', HTMLAudioElement);
  let modelLoaded = false;

  select.replaceChildren(
    ...catalog.digits.map((d) => el('option', { value: d.id }, `“${d.word}” (voice ${d.voice})`)),
  );
  const selected = (): DigitSample => {
    const sample = catalog.digits.find((d) => d.id === select.value);
    if (!sample) throw new Error(`no sample ${select.value}`);
    return sample;
  };

  const classify = async (label: string, signal: AudioSignal, started: number): Promise<void> => {
    const cold = !modelLoaded;
    const model = await digitModel(catalog.models.audio);
    modelLoaded = true;
    const result = await classifyWithRouting(model, signal);
    renderProbs(byId('digit-probs', HTMLElement), result.probs, result.digit);
    renderLanes(byId('digit-lanes', HTMLElement), result.layers);
    const { ffn } = model.config;
    balance.show({
      task: 'Spoken digit',
      input: label,
      dispatch: ffn.kind === 'moe' ? ffn.moe.dispatch : 'dense',
      assignments: result.layers[0] ? result.layers[0].indices.length : 0,
      layers: result.layers.map((l) => l.metrics),
    });
    const ms = performance.now() - started;
    report.digit = {
      input: label,
      digit: result.digit,
      word: result.word,
      probs: result.probs,
      tokens: result.layers[0]?.tokens ?? 0,
      layers: result.layers.map(layerReport),
      ms,
      cold,
    };
    report.digitRuns++;
    setStatus(status, 'done', `“${result.word}” in ${ms.toFixed(0)} ms${coldNote(cold)}`);
  };

  const guarded = taskRunner({
    task: 'digit',
    buttons: [runButton],
    status,
    running: () => 'Classifying…',
    failed: 'Classification failed',
  });

  const play = (blob: Blob) => {
    if (audio.src) URL.revokeObjectURL(audio.src);
    audio.src = URL.createObjectURL(blob);
  };

  runButton.addEventListener(
    'click',
    () =>
      void guarded(async (t) => {
        const sample = selected();
        const res = await fetch(sample.file);
        if (!res.ok) throw new Error(`${sample.file}: HTTP ${res.status}`);
        const blob = await res.blob();
        play(blob);
        await classify(
          `“${sample.word}”, voice ${sample.voice}`,
          await decodeAudio(await blob.arrayBuffer(), sample.file),
          t,
        );
      }),
  );
  onFileDrop(
    byId('digit-drop', HTMLElement),
    byId('digit-file', HTMLInputElement),
    (file) =>
      void guarded(async (t) => {
        play(file);
        await classify(file.name, await decodeAudio(await file.arrayBuffer(), file.name), t);
      }),
  );
}
