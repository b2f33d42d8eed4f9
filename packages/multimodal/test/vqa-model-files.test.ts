import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, setSeed, tf, type Module } from '@moe-zoo/core';
import {
  armSlot,
  buildFloatMoe,
  buildMote,
  loadVqaModel,
  MOIIE_ARMS,
  saveVqaModel,
  upcycleArm,
  vqaTokenizer,
  VqaTransformer,
  type VqaFfnSlotInput,
  type VqaInput,
  type VqaModelConfigInput,
} from '../src';

/** Parameter `name:shape` lists of the FFN-factory era (before slots were config), for the config below. */
const BEFORE = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'vqa-slot-params.json'), 'utf8'),
) as Record<string, string[]>;
const FIXTURE_CONFIG = {
  vocabSize: 20,
  patchDim: 8,
  imageTokens: 4,
  questionLen: 5,
  dim: 16,
  heads: 2,
  depth: 4,
  hidden: 24,
} satisfies VqaModelConfigInput;

function shapes(m: Module): string[] {
  return m.namedParameters().map(([n, v]) => `${n}:${v.shape.join('x')}`);
}

/** Dense slots of width 24 in even blocks, `odd` in blocks 1 and 3. */
function oddSlots(odd: VqaFfnSlotInput): VqaFfnSlotInput[] {
  return [0, 1, 2, 3].map((l) => (l % 2 === 1 ? odd : { kind: 'dense', hidden: 24 }));
}

beforeAll(async () => {
  await initBackend();
});

describe('VqaTransformer FFN slots from config', () => {
  it('builds the same parameter names and shapes as the factory form did, directly and through the helpers', () => {
    setSeed(0);
    const base = new VqaTransformer(FIXTURE_CONFIG);
    expect(shapes(base)).toEqual(BEFORE.base);
    const direct: Record<string, VqaFfnSlotInput> = {
      mote: { kind: 'mote', mote: { hidden: 24, numExperts: 3 } },
      float: { kind: 'moe', moe: { hidden: 24, numExperts: 4, topK: 2 } },
      'float-narrow': { kind: 'moe', moe: { hidden: 10, numExperts: 3, topK: 1 } },
    };
    for (const arm of MOIIE_ARMS) direct[`moiie-${arm}`] = armSlot(arm, 24);
    const helpers: Record<string, () => VqaTransformer> = {
      mote: () => buildMote(base, { numExperts: 3 }),
      float: () => buildFloatMoe(base, {}),
      'float-narrow': () => buildFloatMoe(base, { hidden: 10, numExperts: 3, topK: 1 }),
    };
    for (const arm of MOIIE_ARMS) helpers[`moiie-${arm}`] = () => upcycleArm(base, arm);
    for (const [name, slot] of Object.entries(direct)) {
      const fromConfig = new VqaTransformer({ ...FIXTURE_CONFIG, ffn: oddSlots(slot) });
      const fromHelper = helpers[name]();
      expect([name, shapes(fromConfig)]).toEqual([name, BEFORE[name]]);
      expect([name, shapes(fromHelper)]).toEqual([name, BEFORE[name]]);
      expect(fromHelper.config).toEqual(fromConfig.config);
      fromConfig.dispose();
      fromHelper.dispose();
    }
    base.dispose();
  });

  it('refuses a slot list that does not match the depth, naming the field', () => {
    expect(() => new VqaTransformer({ ...FIXTURE_CONFIG, ffn: [{ kind: 'dense', hidden: 8 }] })).toThrow(
      /ffn: 1 FFN slots for depth 4/,
    );
  });
});

describe('saveVqaModel / loadVqaModel', () => {
  const tok = vqaTokenizer();
  const config = {
    vocabSize: tok.vocabSize,
    patchDim: 49,
    dim: 16,
    heads: 2,
    hidden: 24,
    depth: 4,
  } satisfies VqaModelConfigInput;
  const dirs: string[] = [];
  let base: VqaTransformer;
  let input: VqaInput;

  function freshDir(): string {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'vqa-model-'));
    dirs.push(d);
    return d;
  }

  beforeAll(() => {
    setSeed(5);
    base = new VqaTransformer(config);
    const b = 4;
    const ids = Array.from({ length: b * 8 }, (_, i) =>
      i % 8 >= 6 ? 0 : 1 + ((i * 7) % (tok.vocabSize - 1)),
    );
    input = {
      image: tf.randomNormal([b, 16, 49], 0, 1, 'float32', 11) as tf.Tensor3D,
      question: tf.tensor2d(ids, [b, 8], 'int32'),
    };
  });
  afterAll(() => {
    base.dispose();
    tf.dispose([input.image, input.question].filter((t) => t !== undefined));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Logits and per-slot expert counts of `model` on the shared batch. */
  function outputs(model: VqaTransformer): { logits: Float32Array; counts: number[][] } {
    model.eval();
    return tf.tidy(() => {
      const { logits, aux } = model.forward(input);
      return {
        logits: logits.dataSync() as Float32Array,
        counts: aux.map((a) => Array.from(a.counts.dataSync())),
      };
    });
  }

  async function expectRoundTrip(model: VqaTransformer, extra?: Record<string, unknown>): Promise<void> {
    const dir = freshDir();
    const before = outputs(model);
    await saveVqaModel(dir, model, extra);
    const loaded = await loadVqaModel(dir);
    expect(loaded.config).toEqual(model.config);
    expect(loaded.extra).toEqual(extra ?? {});
    const after = outputs(loaded.model);
    // Bit-exact: the same float32 values, not merely close ones.
    expect(Array.from(after.logits)).toEqual(Array.from(before.logits));
    expect(after.counts).toEqual(before.counts);
    loaded.model.dispose();
  }

  it('a MoIIE arm scores exactly the same after saving and loading', async () => {
    setSeed(6);
    const moiie = upcycleArm(base, 'moiie'); // noisy expert copies: weights a fresh build would not have
    expect(moiie.config.ffn?.[1]).toMatchObject({ kind: 'group', group: { numExperts: 4, topK: 2 } });
    await expectRoundTrip(moiie, { arm: 'moiie', epochs: 0 });
    moiie.dispose();
  });

  it('a MoTE model scores exactly the same after saving and loading', async () => {
    setSeed(7);
    const dense = upcycleArm(base, 'dense');
    const mote = buildMote(dense, { numExperts: 4 });
    dense.dispose();
    expect(mote.config.ffn?.[3]).toMatchObject({ kind: 'mote', mote: { hidden: 48, format: 'ternary' } });
    await expectRoundTrip(mote);
    // The loaded MoTE layer's shared FFN is frozen again (built so), the routed experts train.
    const loaded = await loadVqaModel(dirs[dirs.length - 1]);
    const trainable = new Map(loaded.model.namedParameters().map(([n, v]) => [n, v.trainable]));
    expect(trainable.get('blocks.1.ffn.shared.fc1.weight')).toBe(false);
    expect(trainable.get('blocks.1.ffn.experts.w1')).toBe(true);
    loaded.model.dispose();
    mote.dispose();
  });

  it('refuses a saved config with a bad slot field, naming the field, before allocating', async () => {
    setSeed(8);
    const model = upcycleArm(base, 'modality');
    const dir = freshDir();
    await saveVqaModel(dir, model);
    model.dispose();
    const manifestPath = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as {
      config: { ffn: Array<{ kind: string; group?: { topK: number } }> };
    };
    const edit = (change: (m: typeof manifest) => void): void => {
      const m = structuredClone(manifest);
      change(m);
      fs.writeFileSync(manifestPath, JSON.stringify(m));
    };
    const n0 = tf.memory().numTensors;
    edit((m) => {
      (m.config.ffn[1].group as { topK: number }).topK = 3;
    });
    await expect(loadVqaModel(dir)).rejects.toThrow(
      /config\.ffn\.1\.group\.topK: topK 3 exceeds the 2 experts/,
    );
    edit((m) => {
      m.config.ffn[3].kind = 'sparse';
    });
    await expect(loadVqaModel(dir)).rejects.toThrow(/config\.ffn\.3\.kind/);
    edit((m) => {
      m.config.ffn.pop();
    });
    await expect(loadVqaModel(dir)).rejects.toThrow(/config\.ffn: 3 FFN slots for depth 4/);
    expect(tf.memory().numTensors).toBe(n0);
  });
});
