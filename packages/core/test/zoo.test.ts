import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { z } from 'zod';
import {
  CheckpointError,
  ConfigError,
  initBackend,
  Linear,
  pretrainedLoader,
  readModelCard,
  saveModel,
  tf,
  writeModelCard,
  type ModelCardInput,
  type ModelFormat,
} from '../src';

const linearSchema = z.object({ inDim: z.number().int().positive(), outDim: z.number().int().positive() });
type LinearConfig = z.output<typeof linearSchema>;
class Net extends Linear {
  constructor(readonly config: LinearConfig) {
    super(config.inDim, config.outDim);
  }
}
const NET: ModelFormat<Net, typeof linearSchema> = {
  name: 'test/net',
  configSchema: linearSchema,
  configOf: (m) => m.config,
  build: (c) => new Net(c),
};
const OTHER: ModelFormat<Net, typeof linearSchema> = { ...NET, name: 'test/other' };

function card(name: string): ModelCardInput {
  return {
    name,
    package: '@moe-zoo/test',
    task: 'maps 3 numbers to 2',
    model: NET.name,
    data: { name: 'random', licence: 'CC0-1.0', source: 'synthesised' },
    recipe: { command: 'none', seed: 0, backend: 'wasm', steps: 0, trainSeconds: 0 },
    params: { total: 8, active: 8 },
    quality: [{ metric: 'accuracy', value: 0.912, lo: 0.9, hi: 0.925, on: '1,000 test items' }],
    intendedUse: 'tests',
    limits: ['none worth the name'],
    storage: { bytes: 32, dtype: 'F32' },
    licence: 'MIT',
  };
}

let tmp: string;
let models: string;
beforeAll(async () => {
  await initBackend();
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-zoo-'));
  models = path.join(tmp, 'models');
  const net = new Net({ inDim: 3, outDim: 2 });
  await saveModel(path.join(models, 'tiny'), NET, net, { note: 'shipped' });
  await writeModelCard(path.join(models, 'tiny'), card('tiny'));
  await saveModel(path.join(tmp, 'user-run'), NET, net);
  await saveModel(path.join(tmp, 'foreign'), { ...NET, name: 'test/foreign' }, net);
  net.dispose();
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

describe('model cards', () => {
  it('round-trip through card.json and render every quality figure with its interval', async () => {
    const read = await readModelCard(path.join(models, 'tiny'));
    expect(read).toEqual({ ...card('tiny'), recipe: { ...card('tiny').recipe, settings: {} } });
    const md = await fsp.readFile(path.join(models, 'tiny', 'README.md'), 'utf8');
    expect(md).toContain('| accuracy | 0.912 [0.900, 0.925] | 1,000 test items |');
    expect(md).toContain("loadPretrained('tiny')");
  });

  it('refuse a card with a bad field, naming it, and write nothing', async () => {
    const dir = path.join(tmp, 'bad-card');
    const bad = { ...card('tiny'), quality: [] };
    await expect(writeModelCard(dir, bad)).rejects.toThrow(/quality: /);
    await expect(fsp.stat(path.join(dir, 'card.json'))).rejects.toThrow(/ENOENT/);
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(path.join(dir, 'card.json'), '{ not json');
    await expect(readModelCard(dir)).rejects.toThrow(ConfigError);
    expect(await readModelCard(tmp)).toBeUndefined();
  });
});

describe('pretrainedLoader', () => {
  const load = () => pretrainedLoader('@moe-zoo/test', models, { tiny: NET, absent: OTHER });

  it('loads a shipped model by name with its card, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const { model, config, card: c, extra, dir } = await load()('tiny');
    expect(config).toEqual({ inDim: 3, outDim: 2 });
    expect(c?.quality[0].value).toBe(0.912);
    expect(extra).toEqual({ note: 'shipped' });
    expect(dir).toBe(path.join(models, 'tiny'));
    expect(model).toBeInstanceOf(Net);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("loads a user's checkpoint folder with the format its manifest names; no card", async () => {
    const { model, card: c, dir } = await load()(path.join(tmp, 'user-run'));
    expect(c).toBeUndefined();
    expect(dir).toBe(path.join(tmp, 'user-run'));
    model.dispose();
  });

  it('names the shipped models when given an unknown name, and refuses foreign or missing folders', async () => {
    await expect(load()('tinny')).rejects.toThrow(
      /"tinny" is neither a model of @moe-zoo\/test \(tiny, absent\)/,
    );
    await expect(load()('absent')).rejects.toThrow(/ships no folder for model "absent"/);
    const foreign = await load()(path.join(tmp, 'foreign')).catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(CheckpointError);
    expect((foreign as CheckpointError).code).toBe('MODEL');
    expect((foreign as Error).message).toMatch(
      /"test\/foreign" model; @moe-zoo\/test loads test\/net, test\/other/,
    );
    await expect(load()(tmp)).rejects.toThrow(/holds no manifest.json/);
    expect(load().names).toEqual(['tiny', 'absent']);
  });
});
