import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import { CheckpointError, initBackend, saveCheckpoint, setSeed, tf } from '@moe-zoo/core';
import {
  AUDIO_FORMAT,
  classifyWav,
  AudioTransformer,
  DEFAULT_FEATURES,
  evaluateAudio,
  featureShape,
  loadAudioModel,
  loadSpokenDigits,
  saveAudioModel,
  specialisation,
  trainAudioClassifier,
  type AudioModelConfigInput,
  type AudioSet,
} from '../src';

const MOE = { kind: 'moe', moe: { hidden: 48, numExperts: 8, topK: 2 } } as const;
const DENSE = { kind: 'dense', hidden: 96 } as const;

/** A random (untrained) set of `n` samples shaped like the default log-mel tokens. */
function randomSet(n: number): AudioSet {
  const { tokens, dims } = featureShape(DEFAULT_FEATURES);
  const x = Float32Array.from({ length: n * tokens * dims }, (_, i) => Math.sin(i * 0.37));
  const y = Int32Array.from({ length: n }, (_, i) => i % 10);
  return {
    n,
    tokens,
    dims,
    x,
    y,
    snr: new Float64Array(n).fill(Infinity),
    voice: new Array<string>(n).fill('v'),
  };
}

function logitsOf(model: AudioTransformer, set: AudioSet): Float32Array {
  model.eval();
  return tf.tidy(
    () => model.forward(tf.tensor3d(set.x, [set.n, set.tokens, set.dims])).logits.dataSync() as Float32Array,
  );
}

describe('spoken digits + audio transformer', () => {
  let dir = '';
  beforeAll(async () => {
    await initBackend();
    dir = ensureSpokenDigits({ seed: 0 });
  });

  it('splits voices disjointly and trains well above chance; checkpoints classify WAVs', async () => {
    const data = loadSpokenDigits(dir, { seed: 0, snrs: [Infinity, 10], maxTrain: 240, maxTest: 100 });
    expect(data.trainVoices.some((v) => data.testVoices.includes(v))).toBe(false);
    expect(data.train.n).toBe(480);
    expect(data.test.n).toBe(200);
    const config = { ffn: MOE } satisfies AudioModelConfigInput;
    const model = new AudioTransformer(config);
    const dense = new AudioTransformer({ ffn: DENSE });
    expect(Math.abs(model.activeParams() - dense.activeParams()) / dense.activeParams()).toBeLessThan(0.03);
    dense.dispose();
    await trainAudioClassifier(model, data.train, { epochs: 3, batchSize: 32, seed: 0 });
    const ev = await evaluateAudio(model, data.test);
    expect(ev.accuracy).toBeGreaterThan(0.4); // chance is 0.1
    expect(ev.usage).toBeDefined();
    const usage = ev.usage as Float64Array;
    expect(usage.length).toBe(data.test.n * 8);
    const spec = specialisation(usage, ev.numExperts, data.test.y, 20);
    expect(spec.tv).toBeGreaterThan(spec.baselineMean);

    const ckpt = mkdtempSync(path.join(tmpdir(), 'audio-ckpt-'));
    await saveAudioModel(ckpt, model, { accuracy: ev.accuracy });
    expect((await loadAudioModel(ckpt)).extra).toEqual({ accuracy: ev.accuracy });
    model.dispose();
    const wav = readdirSync(dir).find((f) => f.endsWith('-7-0.wav')) as string;
    const r = await classifyWav(path.join(dir, wav), ckpt);
    expect(r.probs).toHaveLength(10);
    await expect(classifyWav(path.join(dir, 'manifest.json'), ckpt)).rejects.toThrow(
      /manifest\.json: not a WAV file/,
    );
  });

  it('is deterministic per seed', () => {
    const a = loadSpokenDigits(dir, { seed: 3, maxTrain: 20, maxTest: 10, cache: false });
    const b = loadSpokenDigits(dir, { seed: 3, maxTrain: 20, maxTest: 10, cache: false });
    expect(a.testVoices).toEqual(b.testVoices);
    expect(a.train.x).toEqual(b.train.x);
  });
});

describe('audio model config', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it("passes core's router, dispatch and loss options to every MoE layer", () => {
    const model = new AudioTransformer({
      depth: 3,
      moeEvery: 2,
      ffn: {
        kind: 'moe',
        moe: {
          hidden: 16,
          numExperts: 4,
          topK: 1,
          router: { type: 'sigmoid-loss-free', biasUpdateRate: 0.01 },
          dispatch: 'capacity',
          capacityFactor: 1.5,
          sharedExperts: 1,
          losses: { aux: 0, z: 0.001 },
        },
      },
    });
    const layers = model.moeLayers();
    expect(layers).toHaveLength(2); // blocks 0 and 2 (every 2nd, counting from the last)
    for (const l of layers) {
      expect(l.config.router).toEqual({ type: 'sigmoid-loss-free', biasUpdateRate: 0.01, routeScale: 1 });
      expect(l.config.dispatch).toBe('capacity');
      expect(l.config.capacityFactor).toBe(1.5);
      expect(l.shared?.numExperts).toBe(1);
      expect(l.config.losses).toEqual({ aux: 0, z: 0.001, cv2: 0, seqAux: 0 });
    }
    model.dispose();
    expect(
      () => new AudioTransformer({ ffn: { kind: 'moe', moe: { hidden: 8, numExperts: 2, topK: 3 } } }),
    ).toThrow(/audio model config: ffn\.moe\.topK: topK \(3\) exceeds numExperts \(2\)/);
  });

  it('counts expert usage per sample for token-choice and expert-choice routers', async () => {
    const set = randomSet(12);
    const tokens = set.tokens;
    for (const router of [
      { type: 'softmax' as const },
      { type: 'expert-choice' as const, capacityFactor: 2 },
    ]) {
      setSeed(1);
      const model = new AudioTransformer({
        ffn: { kind: 'moe', moe: { hidden: 16, numExperts: 4, topK: 2, router } },
      });
      const ev = await evaluateAudio(model, set, 5); // batches of 5, 5, 2
      const usage = ev.usage as Float64Array;
      expect(model.training).toBe(true); // restored after evaluation
      expect(ev.numExperts).toBe(4);
      const perSample = Array.from({ length: set.n }, (_, i) =>
        usage.subarray(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0),
      );
      if (router.type === 'softmax') {
        // Every token of every sample takes 2 experts in each of the 2 MoE layers.
        expect(perSample).toEqual(new Array(set.n).fill(2 * 2 * tokens));
      } else {
        // Each expert takes capacityFactor x T / E tokens of a batch: 2 x T assignments per layer in total.
        expect(perSample.reduce((a, b) => a + b, 0)).toBe(2 * 2 * set.n * tokens);
        expect(perSample.some((v) => v !== 2 * 2 * tokens)).toBe(true);
      }
      model.dispose();
    }
  });

  it('loads checkpoints with the older flat config and refuses invalid ones naming the field', async () => {
    const set = randomSet(3);
    for (const [legacy, ffn] of [
      [{ kind: 'moe', hidden: 48, numExperts: 8, topK: 2 }, MOE],
      [{ kind: 'dense', hidden: 48, topK: 2 }, DENSE],
    ] as const) {
      setSeed(2);
      const model = new AudioTransformer({ ffn });
      const dir = mkdtempSync(path.join(tmpdir(), 'audio-legacy-'));
      const stored = { dim: 48, heads: 4, depth: 2, numClasses: 10, features: DEFAULT_FEATURES, ...legacy };
      await saveCheckpoint(dir, { model: AUDIO_FORMAT.name, state: model.stateDict(), config: stored });
      const loaded = await loadAudioModel(dir);
      expect(loaded.config.ffn).toMatchObject(ffn);
      expect(loaded.model.countParams()).toBe(model.countParams());
      expect(logitsOf(loaded.model, set)).toEqual(logitsOf(model, set));
      loaded.model.dispose();
      model.dispose();
    }
    const bad = mkdtempSync(path.join(tmpdir(), 'audio-legacy-bad-'));
    await saveCheckpoint(bad, { model: AUDIO_FORMAT.name, state: {}, config: { kind: 'moe', topK: 0 } });
    const err = await loadAudioModel(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).field).toBe('config.topK');
  });
});
