/**
 * The token classifier's `attention` config: MoH and JetMoE attention in every block, exact
 * parameter / FLOP accounting, aux order and `source` markers, training, and checkpoints.
 */
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  AdamW,
  attentionAux,
  attentionBlockValues,
  CheckedTokenClassifierConfigSchema,
  CheckpointError,
  ConfigError,
  ffnAux,
  ffnSlotValues,
  initBackend,
  JetMoeAttention,
  loadModel,
  MoHAttention,
  MultiHeadAttention,
  saveModel,
  setSeed,
  tf,
  TokenClassifier,
  tokenClassifierSizeChecks,
  tokenClassifierValues,
  Trainer,
  type ModelFormat,
  type StepInfo,
  type TokenClassifierOptions,
} from '../src';

const FORMAT: ModelFormat<TokenClassifier, typeof CheckedTokenClassifierConfigSchema> = {
  name: 'token-classifier',
  configSchema: CheckedTokenClassifierConfigSchema,
  configOf: (m) => m.options,
  build: (c) => new TokenClassifier(c),
  sizeChecks: (c) => tokenClassifierSizeChecks(c),
};

const BASE = {
  inputDim: 6,
  tokens: 4,
  dim: 16,
  heads: 4,
  depth: 2,
  numClasses: 3,
  ffn: { kind: 'moe' as const, moe: { hidden: 8, numExperts: 4, topK: 2 } },
};
const MOH = { kind: 'moh' as const, sharedHeads: 2, topK: 1 };
const JETMOE = { kind: 'jetmoe' as const, numExperts: 3, topK: 2, heads: 2, headDim: 4 };

/** One FFN expert of BASE: w1 [16, 8], b1 [8], w2 [8, 16], b2 [16]. */
const EXPERT = 16 * 8 + 8 + 8 * 16 + 16;

let tmp: string;
beforeAll(async () => {
  await initBackend();
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-tc-attn-'));
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

function build(extra: Partial<TokenClassifierOptions>, seed = 3): TokenClassifier {
  setSeed(seed);
  return new TokenClassifier({ ...BASE, ...extra });
}

const input = (): tf.Tensor3D => tf.randomNormal([2, 4, 6], 0, 1, 'float32', 17) as tf.Tensor3D;

function configError(config: TokenClassifierOptions): ConfigError {
  try {
    new TokenClassifier(config).dispose();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('the config was accepted');
}

describe('TokenClassifier attention config', () => {
  it('builds MoH / JetMoE attention in every block; absent and mha are the same default model', () => {
    const plain = build({});
    const mha = build({ attention: { kind: 'mha' } });
    expect(plain.blocks[0].attn).toBeInstanceOf(MultiHeadAttention);
    const a = plain.stateDict();
    const b = mha.stateDict();
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const [name, t] of Object.entries(a)) expect(b[name].dataSync()).toEqual(t.dataSync());
    const moh = build({ attention: MOH });
    const jet = build({ attention: JETMOE });
    for (const block of moh.blocks) {
      expect(block.attn).toBeInstanceOf(MoHAttention);
      expect((block.attn as MoHAttention).activeHeadFraction).toBe(0.75);
    }
    for (const block of jet.blocks) expect(block.attn).toBeInstanceOf(JetMoeAttention);
    expect((jet.blocks[1].attn as JetMoeAttention).inner).toBe(8);
    for (const m of [plain, mha, moh, jet]) m.dispose();
  });

  it('refuses bad attention fields, naming them', () => {
    const field = (attention: unknown, extra: Partial<TokenClassifierOptions> = {}): string[] =>
      configError({ ...BASE, ...extra, attention } as TokenClassifierOptions).issues.map((i) => i.path);
    expect(field({ kind: 'moh', sharedHeads: 4, topK: 1 })).toEqual(['attention.sharedHeads']);
    expect(field({ kind: 'moh', sharedHeads: 2, topK: 3 })).toEqual(['attention.topK']);
    expect(field({ kind: 'moh', sharedHeads: 2, topk: 1 })).toEqual(['attention.topK', 'attention.topk']);
    expect(field({ kind: 'jetmoe', numExperts: 2, topK: 3 })).toEqual(['attention.topK']);
    expect(field({ kind: 'jetmoe', numExperts: 2, topK: 1, heads: 3 })).toEqual(['attention.heads']);
    expect(field({ kind: 'jetmoe', numExperts: 2, topK: 1, heads: 64, headDim: 4096 })).toEqual([
      'attention.headDim',
    ]);
    expect(field({ kind: 'gqa' })).toEqual(['attention.kind']);
  });

  it('counts parameters, active parameters and FLOPs exactly', () => {
    const mha = build({});
    const moh = build({ attention: MOH });
    const jet = build({ attention: JETMOE });
    const { depth, tokens } = BASE;
    const ffnInactive = (4 - 2) * EXPERT;
    // MHA: q, k, v, out of 16 x 16 with biases; active = total - the FFN experts a token skips.
    expect(mha.activeParams()).toBe(mha.countParams() - depth * ffnInactive);
    // MoH adds its head router W_r [16, 2 routed], W_s [16, 2 shared], W_h [16, 2]; a token skips
    // one routed head's query slice and output rows (2·16·4) and its query bias (4).
    expect(moh.countParams() - mha.countParams()).toBe(depth * (16 * 2 + 16 * 2 + 16 * 2));
    expect(moh.activeParams()).toBe(moh.countParams() - depth * (ffnInactive + 2 * 16 * 4 + 4));
    // JetMoE: 3 experts' q [16, 8] + bias and out [8, 16] + bias, shared k, v [16, 8] + bias, router [16, 3].
    const jetAttn = 3 * (16 * 8 + 8 + 8 * 16 + 16) + 2 * (16 * 8 + 8) + 16 * 3;
    expect(jet.countParams() - mha.countParams()).toBe(depth * (jetAttn - 4 * (16 * 16 + 16)));
    expect(jet.activeParams()).toBe(jet.countParams() - depth * (ffnInactive + (16 * 8 + 8 + 8 * 16 + 16)));
    // FLOPs per token over 4 keys, by hand (2 per multiply-add).
    const mhaFlops = 4 * 16 * 16 + 4 * 16 * 16 + 4 * 4 * 16;
    // MoH: gates 16·(2 routed + 2 shared + 2), q/out of 3 active heads of 4, k/v of every head, scores and mixing of 3 heads.
    const mohFlops = 2 * 16 * 6 + 4 * 16 * 12 + 4 * 16 * 16 + 4 * 4 * 12;
    // JetMoE: router 16·3, q/out of 2 experts of width 8, shared k/v of width 8, scores and mixing of 2 experts.
    const jetFlops = 2 * 16 * 3 + 4 * 16 * 8 * 2 + 4 * 16 * 8 + 4 * 4 * 8 * 2;
    expect(moh.flopsPerSample() - mha.flopsPerSample()).toBe(tokens * depth * (mohFlops - mhaFlops));
    expect(jet.flopsPerSample() - mha.flopsPerSample()).toBe(tokens * depth * (jetFlops - mhaFlops));
    // The budget estimate stays an upper bound, and is unchanged for multi-head attention.
    for (const m of [mha, moh, jet])
      expect(tokenClassifierValues(m.options)).toBeGreaterThanOrEqual(m.countParams());
    const embedHead = (BASE.inputDim + BASE.tokens + BASE.numClasses + 4) * 16 + BASE.numClasses;
    expect(tokenClassifierValues(mha.options)).toBe(
      embedHead + depth * (attentionBlockValues(16) + ffnSlotValues(BASE.ffn, 16)),
    );
    for (const m of [mha, moh, jet]) m.dispose();
  });

  it('returns one aux per MoE layer then per routed attention in each block, marked by source', () => {
    // Depth 3, MoE in every other block from the last: blocks 0 and 2 have MoE FFNs.
    const model = build({ depth: 3, moeEvery: 2, attention: MOH });
    const x = input();
    const before = tf.memory().numTensors;
    const counts = tf.tidy(() => {
      const { aux } = model.forward(x);
      expect(aux).toHaveLength(model.moeLayers().length + 3);
      expect(aux.map((a) => a.source ?? 'ffn')).toEqual([
        'ffn',
        'attention',
        'attention',
        'ffn',
        'attention',
      ]);
      expect(ffnAux(aux)).toHaveLength(2);
      expect(attentionAux(aux)).toHaveLength(3);
      ffnAux(aux).forEach((a, l) => expect(a.counts.shape).toEqual([model.moeLayers()[l].config.numExperts]));
      attentionAux(aux).forEach((a) => expect(a.counts.shape).toEqual([2])); // the routed heads
      // Every token counts its one routed head: 8 tokens.
      return attentionAux(aux).map((a) => a.counts.sum().dataSync()[0]);
    });
    expect(counts).toEqual([8, 8, 8]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('trains the attention experts: their losses are added, routing metrics are the FFN layers', async () => {
    const model = build({ attention: JETMOE });
    const optimizer = new AdamW(model, { lr: 1e-2 });
    const x = input();
    const labels = tf.tensor1d([0, 2], 'int32');
    const q0 = (model.blocks[0].attn as JetMoeAttention).qWeight.dataSync().slice();
    const steps: StepInfo[] = [];
    const trainer = new Trainer({
      model,
      optimizer,
      epochs: 1,
      progress: false,
      data: { numBatches: () => 2, batch: () => ({ x, labels }) },
      loss: (b: { x: tf.Tensor3D; labels: tf.Tensor1D }, m: TokenClassifier) => {
        const { logits, aux } = m.forward(b.x);
        return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(b.labels, 3), logits) as tf.Scalar, aux };
      },
      callbacks: {
        onStep: (s) => {
          steps.push(s);
        },
      },
    });
    await trainer.fit();
    expect(steps).toHaveLength(2);
    // z only comes from the attention experts (the FFN layers have no z-loss).
    expect(steps[0].auxLosses.z).toBeGreaterThan(0);
    expect(steps[0].routing?.load).toHaveLength(4); // the FFN experts, not mixed with 3 attention experts
    const q1 = (model.blocks[0].attn as JetMoeAttention).qWeight.dataSync();
    expect(q1).not.toEqual(q0);
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
  });

  it.each([
    ['moh', MOH],
    ['jetmoe', JETMOE],
  ])(
    'saves and loads a model with %s attention bit-exactly, with the same logits',
    async (name, attention) => {
      const model = build({ attention });
      const dir = path.join(tmp, name);
      await saveModel(dir, FORMAT, model);
      const before = tf.memory().numTensors;
      const { model: again, config } = await loadModel(dir, FORMAT);
      expect(config.attention).toEqual(attention);
      const a = model.stateDict();
      const b = again.stateDict();
      expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
      for (const [key, t] of Object.entries(a)) {
        expect(Buffer.from(b[key].dataSync() as Float32Array)).toEqual(
          Buffer.from(t.dataSync() as Float32Array),
        );
      }
      const x = input();
      const [la, lb] = tf.tidy(() => [
        model.forward(x).logits.dataSync(),
        again.forward(x).logits.dataSync(),
      ]);
      expect(lb).toEqual(la);
      x.dispose();
      again.dispose();
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    },
  );

  it('refuses a checkpoint whose attention config disagrees with its tensors, naming the field', async () => {
    const model = build({ attention: JETMOE });
    const dir = path.join(tmp, 'edited');
    await saveModel(dir, FORMAT, model);
    model.dispose();
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(await fsp.readFile(manifestFile, 'utf8'));
    manifest.config.attention.numExperts = 5;
    await fsp.writeFile(manifestFile, JSON.stringify(manifest));
    const error = await loadModel(dir, FORMAT).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckpointError);
    expect([(error as CheckpointError).code, (error as CheckpointError).field]).toEqual([
      'CONFIG',
      'config.attention.numExperts',
    ]);
  });
});
