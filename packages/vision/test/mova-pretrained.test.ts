import * as fs from 'fs';
import * as path from 'path';
import { initBackend, tf } from '@moe-zoo/core';
import {
  ANSWERS,
  answerVisualQuestion,
  CONTENT_TYPES,
  evaluateSystem,
  loadPretrained,
  loadVisionData,
  MoVASystem,
  readImage,
} from '../src';

interface Example {
  file: string;
  type: string;
  question: string;
  answer: string;
}

// The shipped MoVA system: its card tells the truth, and one call answers a question about an image.
describe('shipped model mova-vqa', () => {
  let system: MoVASystem;
  let card: Awaited<ReturnType<typeof loadPretrained>>['card'];
  let dir: string;

  beforeAll(async () => {
    await initBackend();
    const loaded = await loadPretrained('mova-vqa');
    if (!(loaded.model instanceof MoVASystem)) throw new Error('mova-vqa did not load as a MoVASystem');
    system = loaded.model;
    card = loaded.card;
    dir = loaded.dir;
  });

  afterAll(() => system?.dispose());

  it('answers on the held-out test questions exactly what its card says, overall and per content type', async () => {
    const settings = card?.recipe.settings ?? {};
    const { test } = await loadVisionData({
      seed: card?.recipe.seed ?? 0,
      trainPerType: Number(settings.trainPerType),
      testPerType: Number(settings.testPerType ?? 500),
    });
    const ev = await evaluateSystem(system.answerSystem(), test);
    const byMetric = new Map(card?.quality.map((q) => [q.metric, q]));
    const overall = byMetric.get('accuracy');
    expect(ev.accuracy).toBeCloseTo(overall?.value ?? NaN, 6);
    expect(ev.accuracy).toBeGreaterThan(overall?.lo ?? 1);
    expect(ev.accuracy).toBeGreaterThan(0.5); // chance is below 0.1 (34 answers)
    CONTENT_TYPES.forEach((t, j) =>
      expect(ev.perType[j]).toBeCloseTo(byMetric.get(`accuracy (${t})`)?.value ?? NaN, 6),
    );
    expect(ev.expertsPerSample).toBeCloseTo(byMetric.get('experts per sample')?.value ?? NaN, 6);
  });

  it("answers the example images' questions from PNG files and from pixel arrays alike, leaking nothing", async () => {
    const examples: Example[] = JSON.parse(fs.readFileSync(path.join(dir, 'examples.json'), 'utf8'));
    expect(examples.map((e) => e.type)).toEqual([...CONTENT_TYPES]);
    const before = tf.memory().numTensors;
    let right = 0;
    for (const e of examples) {
      const file = path.join(dir, e.file);
      const out = await answerVisualQuestion(system, file, e.question);
      expect(ANSWERS).toContain(out.answer);
      expect(out.probs).toHaveLength(ANSWERS.length);
      expect(out.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      for (const x of out.experts) expect(CONTENT_TYPES).toContain(x);
      if (out.answer === e.answer) right++;
      const { data } = await readImage(file, { channels: 1 });
      const fromArray = await answerVisualQuestion(system, data, e.question);
      expect(fromArray.answer).toBe(out.answer);
      expect(fromArray.experts).toEqual(out.experts);
    }
    expect(right).toBeGreaterThanOrEqual(EXAMPLES_RIGHT);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names unknown words and wrong image sizes', async () => {
    const pixels = new Float32Array(32 * 32);
    await expect(answerVisualQuestion(system, pixels, 'what colour is the zebra')).rejects.toThrow(
      /unknown words "colour", "zebra" in "what colour is the zebra"/,
    );
    await expect(answerVisualQuestion(system, new Float32Array(100), 'what digit is shown')).rejects.toThrow(
      /100 values, expected 32x32 = 1024/,
    );
  });
});

/** How many of the four example questions the shipped system answers right (see its README). */
const EXAMPLES_RIGHT = 4;
