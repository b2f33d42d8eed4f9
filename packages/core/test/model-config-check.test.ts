/**
 * An edited checkpoint (manifest config enlarged, a tensor removed or added) is refused before a
 * model of the edited config is built: fast, without memory growth, naming the file and the field.
 */
import { createHash } from 'crypto';
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CheckedTokenClassifierConfigSchema,
  CheckpointError,
  TokenClassifier,
  decodeSafetensors,
  encodeSafetensors,
  initBackend,
  loadModel,
  saveModel,
  tf,
  tokenClassifierSizeChecks,
  type ModelFormat,
  type TokenClassifierConfig,
} from '../src';

const FORMAT: ModelFormat<TokenClassifier, typeof CheckedTokenClassifierConfigSchema> = {
  name: 'token-classifier',
  configSchema: CheckedTokenClassifierConfigSchema,
  configOf: (m) => m.options,
  build: (c) => new TokenClassifier(c),
  sizeChecks: (c) => tokenClassifierSizeChecks(c),
};
/** The same format without size checks: only the parameter budget guards the build. */
const UNCHECKED: ModelFormat<TokenClassifier, typeof CheckedTokenClassifierConfigSchema> = {
  ...FORMAT,
  sizeChecks: undefined,
};

const CONFIG = {
  inputDim: 6,
  tokens: 4,
  dim: 16,
  heads: 2,
  depth: 2,
  numClasses: 3,
  ffn: { kind: 'moe' as const, moe: { hidden: 16, numExperts: 4, topK: 2 } },
};

let tmp: string;
let dir: string;
beforeAll(async () => {
  await initBackend();
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-cfgcheck-'));
  dir = path.join(tmp, 'genuine');
  const model = new TokenClassifier(CONFIG);
  await saveModel(dir, FORMAT, model);
  model.dispose();
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

let n = 0;
/** A copy of the genuine checkpoint with its manifest's config (and optionally tensors) edited. */
async function edited(
  editConfig: (c: TokenClassifierConfig) => void,
  editTensors?: (t: Record<string, ReturnType<typeof decodeSafetensors>['tensors'][string]>) => void,
): Promise<string> {
  const out = path.join(tmp, `edit-${n++}`);
  await fsp.mkdir(out);
  const manifest = JSON.parse(await fsp.readFile(path.join(dir, 'manifest.json'), 'utf8'));
  editConfig(manifest.config);
  let bytes: Uint8Array = await fsp.readFile(path.join(dir, 'model.safetensors'));
  if (editTensors) {
    const { tensors } = decodeSafetensors(bytes);
    editTensors(tensors);
    bytes = encodeSafetensors(tensors);
    manifest.sha256 = createHash('sha256').update(bytes).digest('hex');
  }
  await fsp.writeFile(path.join(out, 'model.safetensors'), bytes);
  await fsp.writeFile(path.join(out, 'manifest.json'), JSON.stringify(manifest));
  return out;
}

/** Loads `d` with `format`, expecting a refusal; returns it with the time taken and memory growth. */
async function refusal(d: string, format = FORMAT) {
  const bytes = tf.memory().numBytes;
  const tensors = tf.memory().numTensors;
  const start = performance.now();
  let error: unknown;
  try {
    (await loadModel(d, format)).model.dispose();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - start;
  expect(error).toBeInstanceOf(CheckpointError);
  expect(tf.memory().numBytes).toBe(bytes);
  expect(tf.memory().numTensors).toBe(tensors);
  return { error: error as CheckpointError, ms };
}

describe('loadModel checks the config against the tensor file before building', () => {
  it('loads the genuine checkpoint', async () => {
    const { model, config } = await loadModel(dir, FORMAT);
    expect(config.dim).toBe(16);
    model.dispose();
  });

  it('refuses dim 48000 by its bound, in milliseconds, naming manifest.json and dim', async () => {
    const { error, ms } = await refusal(await edited((c) => (c.dim = 48000)));
    expect(error.code).toBe('CONFIG');
    expect(error.source).toBe(path.join(tmp, `edit-${n - 1}`, 'manifest.json'));
    expect(error.field).toBe('config.dim');
    expect(error.message).toMatch(/manifest\.json: config\.dim: .*<=4096/);
    expect(ms).toBeLessThan(500);
  });

  it.each([
    ['dim', (c: TokenClassifierConfig) => (c.dim = 1024), 'config.dim'],
    ['depth', (c: TokenClassifierConfig) => (c.depth = 24), 'config.depth'],
    [
      'numExperts',
      (c: TokenClassifierConfig) => c.ffn.kind === 'moe' && (c.ffn.moe.numExperts = 512),
      'config.ffn.moe.numExperts',
    ],
    [
      'hidden',
      (c: TokenClassifierConfig) => c.ffn.kind === 'moe' && (c.ffn.moe.hidden = 4096),
      'config.ffn.moe.hidden',
    ],
  ])('refuses %s enlarged within its bound against the header, naming the field', async (_, edit, field) => {
    const d = await edited(edit);
    const { error, ms } = await refusal(d);
    expect([error.code, error.field, error.source]).toEqual(['CONFIG', field, path.join(d, 'manifest.json')]);
    expect(error.message).toMatch(/model\.safetensors/);
    expect(ms).toBeLessThan(500);
  });

  it('without size checks, the build stops at the budget the file allows, naming the file', async () => {
    const d = await edited((c) => (c.dim = 2048));
    const { error, ms } = await refusal(d, UNCHECKED);
    expect([error.code, error.source]).toEqual(['SHAPE', path.join(d, 'model.safetensors')]);
    expect(error.message).toMatch(/implies more/);
    expect(ms).toBeLessThan(500);
  });

  it('refuses a tensor removed from the header (budget) and one added (exact names)', async () => {
    const removed = await edited(
      () => undefined,
      (t) => delete t['blocks.1.ffn.experts.w2'],
    );
    const a = await refusal(removed);
    expect([a.error.code, a.error.source]).toEqual(['SHAPE', path.join(removed, 'model.safetensors')]);
    const added = await edited(
      () => undefined,
      (t) => (t['extra.weight'] = { dtype: 'F32', shape: [2], data: new Float32Array(2) }),
    );
    const b = await refusal(added);
    expect([b.error.code, b.error.source]).toEqual(['SHAPE', path.join(added, 'model.safetensors')]);
    expect(b.error.message).toMatch(/unexpected \[extra\.weight\]/);
  });

  it('refuses a tensor whose shape was changed in the header, naming it', async () => {
    const d = await edited(
      () => undefined,
      (t) => (t['norm.weight'] = { dtype: 'F32', shape: [4, 4], data: new Float32Array(16) }),
    );
    const { error } = await refusal(d);
    expect([error.code, error.field]).toEqual(['SHAPE', 'tensor "norm.weight"']);
  });

  it('refuses misspelt and unknown keys in the manifest config, naming them', async () => {
    const d = await edited((c) => {
      const moe = (c.ffn as { moe: Record<string, unknown> }).moe;
      moe.capacityfactor = 2;
    });
    const { error } = await refusal(d);
    expect([error.code, error.field]).toEqual(['CONFIG', 'config.ffn.moe.capacityfactor']);
    expect(error.message).toMatch(/capacityfactor/);
  });
});
