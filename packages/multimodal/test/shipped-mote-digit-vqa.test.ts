import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, tf } from '@moe-zoo/core';
import {
  answerQuestion,
  DigitVqaModel,
  DigitVqaRecipeSchema,
  digitVqaSteps,
  evaluateDigitVqa,
  loadDigitImages,
  loadDigitVqaModel,
  loadPretrained,
  moeLayerIndices,
  MoTELayer,
  packedBytes,
  packTernaryExperts,
  saveDigitVqaModel,
  trainDigitVqa,
} from '../src';
import { heldOutDigitScores, questionBatch, smallDigitVqa } from './helpers/digit-vqa';

// The shipped MoTE model, measured on MNIST test-split digits it was never trained on (per class
// [800, 863); training used [0, 800)). A broken or missing model fails these tests.
let model: DigitVqaModel;
let card: Awaited<ReturnType<typeof loadPretrained>>['card'];
let tmp: string;
beforeAll(async () => {
  await initBackend();
  ({ model, card } = await loadPretrained('mote-digit-vqa'));
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'mote-digit-vqa-'));
});
afterAll(async () => {
  model.dispose();
  await fsp.rm(tmp, { recursive: true, force: true });
});

/** The MoTE layers of a digit-VQA model. */
function moteLayers(m: DigitVqaModel): MoTELayer[] {
  return moeLayerIndices(m.vqa.config.depth).map((l) => {
    const slot = m.vqa.blocks[l].ffn;
    if (!(slot instanceof MoTELayer)) throw new Error(`block ${l} is not a MoTE layer`);
    return slot;
  });
}

/** Everything a ternary bank stores: packed 2-bit codes, scales and biases. */
async function packedState(layer: MoTELayer) {
  const p = await packTernaryExperts(layer.experts);
  return {
    w1: Array.from(p.w1.packed),
    s1: typeof p.w1.scale === 'number' ? [p.w1.scale] : Array.from(p.w1.scale),
    w2: Array.from(p.w2.packed),
    s2: typeof p.w2.scale === 'number' ? [p.w2.scale] : Array.from(p.w2.scale),
    b1: Array.from(p.b1),
    b2: Array.from(p.b2),
  };
}

describe('DIGIT_VQA_FORMAT with MoTE slots', () => {
  it('round-trips a MoTE digit-VQA model bit-exactly: every tensor, the packed ternary experts and the answers', async () => {
    const small = smallDigitVqa('mote', 7);
    const dir = path.join(tmp, 'small');
    await saveDigitVqaModel(dir, small);
    const loaded = await loadDigitVqaModel(dir);
    try {
      expect(loaded.config).toEqual(small.config);
      expect(loaded.config.vqa.ffn?.[1]).toMatchObject({ kind: 'mote', mote: { format: 'ternary' } });
      const before = small.stateDict();
      const after = loaded.model.stateDict();
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      for (const [name, v] of Object.entries(before))
        expect({ name, values: Array.from(after[name].dataSync()) }).toEqual({
          name,
          values: Array.from(v.dataSync()),
        });
      const [a, b] = [moteLayers(small), moteLayers(loaded.model)];
      expect(await Promise.all(b.map(packedState))).toEqual(await Promise.all(a.map(packedState)));
      expect(b.map((l) => l.expertBytes())).toEqual(a.map((l) => l.expertBytes()));
      small.eval();
      loaded.model.eval();
      const x = questionBatch(3);
      const la = tf.tidy(() => Array.from(small.forward(x).logits.dataSync()));
      const lb = tf.tidy(() => Array.from(loaded.model.forward(x).logits.dataSync()));
      tf.dispose([x.images, x.question]);
      expect(lb).toEqual(la);
    } finally {
      small.dispose();
      loaded.model.dispose();
    }
  });
});

describe("trainDigitVqa's MoTE arm", () => {
  it('tunes a dense source, up-cycles it into MoTE and trains the MoE layers alone, stepping as digitVqaSteps says', async () => {
    const recipe = {
      dim: 16,
      hidden: 16,
      encoderEpochs: 1,
      textSamples: 64,
      textEpochs: 1,
      alignSamples: 64,
      alignEpochs: 1,
      trainSamples: 96,
      epochs: 1,
      testSamples: 40,
      batchSize: 32,
      moteSourceSamples: 32,
      moteEpochs: 2,
    };
    const images = { pool: loadDigitImages(0, 13), test: loadDigitImages(800, 4) };
    const seen: Record<string, number> = {};
    const run = await trainDigitVqa({
      seed: 1,
      arm: 'mote',
      recipe,
      images,
      onStep: (stage) => (seen[stage] = (seen[stage] ?? 0) + 1),
    });
    try {
      const steps = digitVqaSteps(DigitVqaRecipeSchema.parse(recipe), images.pool.n, 'mote');
      expect(steps).toMatchObject({ tune: 1, mote: 6 });
      expect(seen).toEqual(steps);
      expect(run.steps).toBe(Object.values(steps).reduce((a, b) => a + b, 0));
      expect(run.correct).toHaveLength(40);
      const layers = moteLayers(run.model);
      expect(layers.map((l) => l.config.hidden)).toEqual([32]); // the dense arm's widened FFN
      // Only routers and routed experts train; the shared FFN stays frozen.
      for (const l of layers) expect(l.shared.parameters()).toHaveLength(0);
      // The MoIIE arm (the default) counts no MoTE steps.
      expect(digitVqaSteps(DigitVqaRecipeSchema.parse(recipe), images.pool.n).mote).toBe(0);
    } finally {
      run.model.dispose();
    }
  }, 60_000);
});

describe('the shipped mote-digit-vqa', () => {
  it('is MoTE: ternary experts whose packed memory the card states, saved and reloaded bit-exactly', async () => {
    const layers = moteLayers(model);
    expect(layers.length).toBeGreaterThan(0);
    for (const l of layers) {
      expect(l.experts.format).toBe('ternary');
      // expertBytes = float32 shared FFN + the packed ternary bank.
      const shared = 4 * (2 * l.config.dim * l.config.hidden + l.config.dim + l.config.hidden);
      expect(l.expertBytes()).toBe(shared + packedBytes(await packTernaryExperts(l.experts)));
    }
    const total = layers.reduce((s, l) => s + l.expertBytes(), 0);
    expect(card?.limits.join(' ')).toContain(`(${total} B) (MoTELayer.expertBytes())`);
    const dir = path.join(tmp, 'shipped');
    await saveDigitVqaModel(dir, model);
    const again = await loadDigitVqaModel(dir);
    try {
      expect(await Promise.all(moteLayers(again.model).map(packedState))).toEqual(
        await Promise.all(layers.map(packedState)),
      );
    } finally {
      again.model.dispose();
    }
  });

  it('answers digit questions about 50 held-out MNIST test digits well above chance', async () => {
    const { named, parity } = await heldOutDigitScores(model); // 50 images, 5 per class
    expect(named).toBeGreaterThanOrEqual(0.7); // chance 0.1
    expect(parity).toBeGreaterThanOrEqual(0.75); // chance 0.5
  });

  it('reads its example image as a seven', async () => {
    const file = path.join(__dirname, '..', 'models', 'mote-digit-vqa', 'example-7.png');
    expect((await answerQuestion(model, file, 'what is the digit ?')).answer).toBe('seven');
  });

  it('re-measures to the accuracy its card states', async () => {
    expect(card?.name).toBe('mote-digit-vqa');
    const stated = card?.quality[0];
    expect(stated?.metric).toBe('accuracy');
    const { correct } = await evaluateDigitVqa(model, { seed: 0 });
    expect(correct).toHaveLength(2000);
    const accuracy = correct.reduce((s, c) => s + c, 0) / correct.length;
    expect(accuracy).toBeCloseTo(stated?.value ?? NaN, 3);
    expect(accuracy).toBeGreaterThan(0.75);
  });
});
