import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, setSeed } from '@moe-zoo/core';
import {
  alignConnector,
  buildMote,
  DigitEncoder,
  evaluateVqa,
  instructionTune,
  loadDigitImages,
  loadVqaModel,
  makeVqaSet,
  pretrainDigitEncoder,
  pretrainLanguageModel,
  saveVqaModel,
  trainVqa,
  upcycleArm,
  vqaTokenizer,
  VqaTransformer,
  withEncoderTokens,
  type VqaSet,
} from '../src';

// The MoIIE / MoTE recipe end to end on small data: what each stage must (and must not) change.
describe('digit VQA recipe (MoIIE, MoTE)', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('runs the recipe: text LM, connector alignment, MoIIE upcycling; then MoTE on the dense arm', async () => {
    setSeed(0);
    const tok = vqaTokenizer();
    const pool = loadDigitImages(0, 100);
    const encoder = new DigitEncoder();
    await pretrainDigitEncoder(encoder, pool, { epochs: 3, seed: 0 });
    const tokens = (set: VqaSet) => withEncoderTokens(set, encoder);
    const all = ['parity', 'compare', 'ink', 'digit'] as const;
    const text = makeVqaSet(undefined, { n: 1200, seed: 1, tokenizer: tok, families: all });
    const captions = await tokens(
      makeVqaSet(pool, { n: 320, seed: 2, tokenizer: tok, families: ['digit', 'ink'] }),
    );
    const train = await tokens(makeVqaSet(pool, { n: 320, seed: 3, tokenizer: tok }));
    const test = await tokens(makeVqaSet(loadDigitImages(800, 20), { n: 200, seed: 4, tokenizer: tok }));
    const textTest = makeVqaSet(undefined, { n: 300, seed: 5, tokenizer: tok });

    // Stage 0: the text-only "LLM" answers from the caption words.
    const base = new VqaTransformer({ vocabSize: tok.vocabSize, dim: 32, hidden: 64 });
    await pretrainLanguageModel(base, text, { epochs: 3, lr: 1e-2, batchSize: 32 });
    const lm = await evaluateVqa(base, textTest, { mode: 'caption' });
    expect(lm.byType.ink).toBeGreaterThan(0.9);
    expect(lm.accuracy).toBeGreaterThan(0.6); // a question-only model: 0.5

    // Stage 1: only the connector moves.
    const snapshot = () => new Map(base.namedParameters().map(([n, v]) => [n, Array.from(v.dataSync())]));
    const before = snapshot();
    const s1 = await alignConnector(base, captions, { epochs: 2, batchSize: 32 });
    expect(s1.losses.at(-1)).toBeLessThan(s1.losses[0]);
    for (const [name, after] of snapshot()) {
      const moved = after.some((v, i) => v !== before.get(name)?.[i]);
      expect([name, moved]).toEqual([name, name.startsWith('connector.')]);
    }

    // Stage 2: MoIIE — image tokens never reach expert L, text tokens never expert V.
    const moiie = upcycleArm(base, 'moiie');
    const s2 = await instructionTune(moiie, train, { epochs: 2, batchSize: 32 });
    expect(Object.keys(s2.auxLosses).sort()).toEqual(['aux_txt', 'aux_vis']);
    const ev = await evaluateVqa(moiie, test);
    expect(ev.usage?.image[3]).toBe(0);
    expect(ev.usage?.text[0]).toBe(0);
    expect(ev.usage?.image[0]).toBeGreaterThan(0);
    expect(ev.usage?.text[3]).toBeGreaterThan(0);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moiie-readme-'));
    await saveVqaModel(dir, moiie, { accuracy: ev.accuracy });
    const { model: again } = await loadVqaModel(dir);
    expect((await evaluateVqa(again, test)).accuracy).toBe(ev.accuracy);
    again.dispose();
    fs.rmSync(dir, { recursive: true, force: true });

    // MoTE on the dense arm: only the MoE layer trains, the accuracy stays close to the source.
    const dense = upcycleArm(base, 'dense');
    await instructionTune(dense, train, { epochs: 2, batchSize: 32 });
    const denseAcc = (await evaluateVqa(dense, test)).accuracy;
    const mote = buildMote(dense, { numExperts: 4 });
    const r = await trainVqa(mote, train, { epochs: 1, batchSize: 32 });
    expect(r.losses.length).toBe(10);
    expect((await evaluateVqa(mote, test)).accuracy).toBeGreaterThan(denseAcc - 0.1);
    for (const m of [encoder, base, moiie, dense, mote]) m.dispose();
  });
});
