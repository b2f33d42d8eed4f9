import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError, initBackend, tf } from '@moe-zoo/core';
import {
  answerQuestion,
  DIGIT_VQA_FORMAT,
  DigitVqaModel,
  loadDigitVqaModel,
  loadPretrained,
  saveDigitVqaModel,
} from '../src';
import { questionBatch, smallDigitVqa } from './helpers/digit-vqa';

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'digit-vqa-'));
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('DigitVqaModel and DIGIT_VQA_FORMAT', () => {
  it('round-trips bit-exactly: every tensor, the config, extra, and the answers', async () => {
    const model = smallDigitVqa('moiie', 5);
    const dir = path.join(tmp, 'round-trip');
    await saveDigitVqaModel(dir, model, { seed: 5 });
    const loaded = await loadDigitVqaModel(dir);
    try {
      expect(JSON.parse(await fsp.readFile(path.join(dir, 'manifest.json'), 'utf8')).model).toBe(
        DIGIT_VQA_FORMAT.name,
      );
      expect(loaded.extra).toEqual({ seed: 5 });
      expect(loaded.config).toEqual(model.config);
      expect(loaded.config.vqa.ffn?.[1]).toMatchObject({ kind: 'group' });
      const before = model.stateDict();
      const after = loaded.model.stateDict();
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      expect(Object.keys(after).some((k) => k.startsWith('encoder.c1.'))).toBe(true);
      for (const [name, v] of Object.entries(before)) {
        expect({ name, values: Array.from(after[name].dataSync()) }).toEqual({
          name,
          values: Array.from(v.dataSync()),
        });
      }
      model.eval();
      loaded.model.eval();
      const x = questionBatch(1);
      const a = tf.tidy(() => Array.from(model.forward(x).logits.dataSync()));
      const b = tf.tidy(() => Array.from(loaded.model.forward(x).logits.dataSync()));
      tf.dispose([x.images, x.question]);
      expect(b).toEqual(a);
      // The vision tower loads frozen, the transformer trainable.
      expect(loaded.model.encoder.parameters()).toHaveLength(0);
      expect(loaded.model.vqa.parameters().length).toBeGreaterThan(0);
    } finally {
      model.dispose();
      loaded.model.dispose();
    }
  });

  it('refuses an encoder and a transformer that do not fit, naming the field', () => {
    expect(
      () => new DigitVqaModel({ encoder: { channels: 32 }, vqa: { vocabSize: 40, patchDim: 49 } }),
    ).toThrow(/vqa\.patchDim.*patchDim 49 differs from the encoder's 32 channels/s);
  });
});

describe('answerQuestion', () => {
  let model: DigitVqaModel;
  beforeAll(() => {
    model = smallDigitVqa('moiie', 5);
  });
  afterAll(() => model.dispose());

  it('names every unknown word of the question', async () => {
    const img = new Float32Array(784);
    await expect(answerQuestion(model, img, 'Is the digit purple or teal?')).rejects.toThrow(
      /unknown words "purple", "teal" in "Is the digit purple or teal\?"; the model knows: .*digit/,
    );
  });

  it('refuses a question longer than the model reads, an image of the wrong size and pixels outside [0, 1]', async () => {
    const img = new Float32Array(784);
    await expect(answerQuestion(model, img, 'is the digit the digit the digit odd ?')).rejects.toThrow(
      /9 words, the model reads at most 8/,
    );
    await expect(answerQuestion(model, new Float32Array(100), 'is the digit odd ?')).rejects.toThrow(
      /100 values, expected 28x28/,
    );
    await expect(
      answerQuestion(model, new Array<number>(784).fill(255), 'is the digit odd ?'),
    ).rejects.toThrow(/pixel 0 is 255/);
  });

  it('returns the most probable answer with a distribution over every answer', async () => {
    const img = Array.from({ length: 784 }, (_, i) => ((i * 37) % 100) / 100);
    const { answer, probs } = await answerQuestion(model, img, 'What is the digit?');
    const values = Object.values(probs);
    expect(values).toHaveLength(16);
    expect(values.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    expect(probs[answer]).toBe(Math.max(...values));
  });
});

describe('loadPretrained', () => {
  it('lists the shipped names for an unknown name', async () => {
    const err = await loadPretrained('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(
      /"nope" is neither a model of @moe-zoo\/multimodal \([^)]*moiie-digit-vqa[^)]*\)/,
    );
    expect(loadPretrained.names).toEqual(expect.arrayContaining(['moiie-digit-vqa', 'mote-digit-vqa']));
  });
});
