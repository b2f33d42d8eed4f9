/**
 * Task 3, ask a question about a digit image: a bundled MNIST test digit or a dropped image and a
 * question in the model's words; the answer with its probabilities, and per MoIIE layer where the
 * image and the text tokens went: each expert's share of them, with the expert's role (image-only,
 * text-only or shared between the two routers), and the experts each token chose as lanes.
 */
import type { SampleCatalog, VqaSample } from '../shared/catalog';
import { layerReport } from '../shared/report';
import { answerWithRouting, type RoutedAnswer, type VqaLayerRouting } from '../shared/vqa-routing';
import type { BalanceView } from './balance-view';
import { renderLanes } from './digit-lanes';
import { byId, el, onFileDrop, setStatus } from './dom';
import { digitPixelsOf } from './digit-image';
import { columnLoad } from './load-bars';
import { vqaModel } from './models';
import { report } from './studio-report';
import { coldNote, taskRunner } from './task-runner';

function pct(v: number): string {
  return `${(100 * v).toFixed(1)}%`;
}

function renderAnswer(container: HTMLElement, result: RoutedAnswer): void {
  const top = Object.entries(result.probs)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5);
  container.replaceChildren(
    el('div', { class: 'answer', 'data-answer': result.answer }, `“${result.answer}”`),
    ...top.map(([answer, p]) =>
      el(
        'div',
        { class: answer === result.answer ? 'row top' : 'row' },
        el('span', {}, answer),
        el('div', { class: 'bar', style: `width:${(100 * p).toFixed(1)}%` }),
        el('span', {}, pct(p)),
      ),
    ),
  );
}

function layerTable(layer: VqaLayerRouting, index: number): HTMLElement {
  const rows = layer.roles.map((role, e) =>
    el(
      'tr',
      { 'data-expert': String(e) },
      el('td', {}, `expert ${e}`),
      el('td', {}, role),
      el('td', {}, pct(layer.usage.image[e])),
      el('td', {}, pct(layer.usage.text[e])),
    ),
  );
  const { image, text } = layer.shares;
  return el(
    'div',
    { class: 'vqa-layer', 'data-layer': String(index) },
    el('h4', {}, `routed layer ${index + 1}`),
    el(
      'p',
      { class: 'shares' },
      `image tokens: ${pct(image.intra)} on image-only experts, ${pct(image.inter)} on shared ones; ` +
        `text tokens: ${pct(text.intra)} on text-only experts, ${pct(text.inter)} on shared ones`,
    ),
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['expert', 'role', 'share of image tokens', 'share of text tokens'].map((h) => el('th', {}, h)),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
    columnLoad(layer.metrics.load),
  );
}

/** Wires the VQA section of the page. */
export function setupVqaPanel(catalog: SampleCatalog, balance: BalanceView): void {
  const select = byId('vqa-sample', HTMLSelectElement);
  const examples = byId('vqa-examples', HTMLSelectElement);
  const questionInput = byId('vqa-question', HTMLInputElement);
  const runButton = byId('vqa-run', HTMLButtonElement);
  const status = byId('vqa-status', HTMLElement);
  const preview = byId('vqa-image', HTMLCanvasElement);
  let modelLoaded = false;

  select.replaceChildren(
    ...catalog.vqaImages.map((s) => el('option', { value: s.id }, `a handwritten ${s.id}`)),
  );
  examples.replaceChildren(...catalog.questions.map((q) => el('option', { value: q }, q)));
  questionInput.value = catalog.questions[0] ?? '';
  examples.addEventListener('change', () => (questionInput.value = examples.value));
  const selected = (): VqaSample => {
    const sample = catalog.vqaImages.find((s) => s.id === select.value);
    if (!sample) throw new Error(`no sample ${select.value}`);
    return sample;
  };

  const ask = async (label: string, image: Blob, started: number): Promise<void> => {
    const question = questionInput.value;
    const pixels = await digitPixelsOf(image, preview);
    const cold = !modelLoaded;
    const model = await vqaModel(catalog.models.vqa);
    modelLoaded = true;
    const result = await answerWithRouting(model, pixels, question);
    renderAnswer(byId('vqa-answer', HTMLElement), result);
    byId('vqa-layers', HTMLElement).replaceChildren(...result.layers.map(layerTable));
    renderLanes(byId('vqa-lanes', HTMLElement), result.layers);
    balance.show({
      task: 'Digit question',
      input: `${label}: ${question}`,
      dispatch: 'sorted',
      assignments: result.layers[0] ? result.layers[0].indices.length : 0,
      layers: result.layers.map((l) => l.metrics),
    });
    const ms = performance.now() - started;
    report.vqa = {
      input: label,
      question,
      answer: result.answer,
      probs: result.probs,
      kinds: result.kinds,
      layers: result.layers.map((l) => ({ ...layerReport(l), roles: l.roles, shares: l.shares })),
      ms,
      cold,
    };
    report.vqaRuns++;
    setStatus(status, 'done', `“${result.answer}” in ${ms.toFixed(0)} ms${coldNote(cold)}`);
  };

  const guarded = taskRunner({
    task: 'vqa',
    buttons: [runButton],
    status,
    running: () => (modelLoaded ? 'Answering…' : 'Loading the model and answering…'),
    failed: 'No answer',
  });
  runButton.addEventListener(
    'click',
    () =>
      void guarded(async (t) => {
        const sample = selected();
        const res = await fetch(sample.file);
        if (!res.ok) throw new Error(`${sample.file}: HTTP ${res.status}`);
        await ask(`a handwritten ${sample.id}`, await res.blob(), t);
      }),
  );
  onFileDrop(
    byId('vqa-drop', HTMLElement),
    byId('vqa-file', HTMLInputElement),
    (file) => void guarded(async (t) => ask(file.name, file, t)),
  );
}
