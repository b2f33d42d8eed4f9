/**
 * Crashes during a save: a child process (test/helpers/crash-save.js, on the built package)
 * saves a checkpoint and SIGKILLs itself after step N of the save, for every N in turn. Whatever
 * step it dies at, loading gives exactly the old or the new checkpoint, bit for bit, and the next
 * save leaves a clean directory.
 */
import { spawnSync } from 'child_process';
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, tf } from '../src';
import {
  CheckpointError,
  encodeSafetensors,
  loadCheckpoint,
  saveCheckpoint,
  type TensorData,
} from '../src/io';
import { Linear } from '../src/nn/linear';
import { AdamW, Trainer, type BatchSource } from '../src/train';

const DIST = path.join(__dirname, '..', 'dist');
const CHILD = path.join(__dirname, 'helpers', 'crash-save.js');
const COMMIT = 'renamed manifest.json';

beforeAll(async () => {
  await initBackend();
});

let tmp: string;
beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-crash-'));
});
afterAll(async () => {
  await fsp.rm(tmp, { recursive: true, force: true });
});

let dirCount = 0;
function freshDir(): string {
  return path.join(tmp, `d-${dirCount++}`);
}

interface Job {
  mode: 'save' | 'train';
  dir: string;
  killAt: number;
  state?: string;
  optimizer?: string;
  report?: string;
}

interface ChildResult {
  steps: string[];
  signal: NodeJS.Signals | null;
  status: number | null;
  stderr: string;
}

function runChild(job: Job): ChildResult {
  const r = spawnSync(process.execPath, [CHILD, JSON.stringify({ dist: DIST, ...job })], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const steps = r.status === 0 ? (JSON.parse(r.stdout) as string[]) : [];
  return { steps, signal: r.signal, status: r.status, stderr: r.stderr };
}

type Stored = Record<string, TensorData>;

/** A state of version `v`: special floats (NaN payloads, -0, denormals), int32 extremes, bools. */
function stateOf(v: number): Stored {
  const bits = new Uint32Array([0x7fc00001 + v, 0x80000000, 0x00000001 + v, 0xff800000, 0x3f800000 + v, v]);
  return {
    w: { dtype: 'F32', shape: [2, 3], data: new Float32Array(bits.buffer) },
    ids: { dtype: 'I32', shape: [3], data: new Int32Array([v, -2147483648, 2147483647 - v]) },
    flags: { dtype: 'BOOL', shape: [2], data: new Uint8Array([v % 2, 1]) },
  };
}

function optimizerOf(v: number): Stored {
  return { 'w.m': { dtype: 'F32', shape: [4], data: new Float32Array([v, -0, 0.5 + v, 1e-40]) } };
}

function toTensors(s: Stored): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, d] of Object.entries(s)) out[name] = tf.tensor(d.data, d.shape, tfDtype(d.dtype));
  return out;
}

function tfDtype(d: TensorData['dtype']): 'float32' | 'int32' | 'bool' {
  return d === 'F32' ? 'float32' : d === 'BOOL' ? 'bool' : 'int32';
}

function raw(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Whether `loaded` holds exactly `expected`: same names, dtypes, shapes and bytes. */
function same(loaded: Record<string, tf.Tensor>, expected: Stored): boolean {
  const names = Object.keys(expected).sort();
  if (JSON.stringify(Object.keys(loaded).sort()) !== JSON.stringify(names)) return false;
  return names.every((n) => {
    const t = loaded[n];
    const e = expected[n];
    if (t.dtype !== tfDtype(e.dtype) || JSON.stringify(t.shape) !== JSON.stringify(e.shape)) return false;
    const values = t.dataSync();
    const bytes = e.dtype === 'BOOL' ? Buffer.from(values as Uint8Array) : raw(values as Float32Array);
    return bytes.equals(raw(e.data));
  });
}

/** Which version the checkpoint in `dir` holds: 'none' (no checkpoint), one of `versions`, or 'other'. */
async function versionIn(dir: string, versions: number[]): Promise<number | 'none' | 'other'> {
  let loaded;
  try {
    loaded = await loadCheckpoint(dir, { expectModel: 'crash-test' });
  } catch (e) {
    if (e instanceof CheckpointError && e.code === 'MISSING' && e.source === path.join(dir, 'manifest.json'))
      return 'none';
    throw e;
  }
  try {
    const v = versions.find(
      (k) => same(loaded.state, stateOf(k)) && same(loaded.files.optimizer, optimizerOf(k)),
    );
    return v ?? 'other';
  } finally {
    tf.dispose([...Object.values(loaded.state), ...Object.values(loaded.files.optimizer ?? {})]);
  }
}

async function saveVersion(dir: string, v: number): Promise<void> {
  const state = toTensors(stateOf(v));
  const optimizer = toTensors(optimizerOf(v));
  try {
    await saveCheckpoint(dir, { model: 'crash-test', state, files: { optimizer } });
  } finally {
    tf.dispose([...Object.values(state), ...Object.values(optimizer)]);
  }
}

const CLEAN = ['manifest.json', 'model.safetensors', 'optimizer.safetensors'];

describe('a save killed at every step', () => {
  let newState: string;
  let newOptimizer: string;
  beforeAll(async () => {
    await fsp.mkdir(path.join(tmp, 'inputs'), { recursive: true });
    newState = path.join(tmp, 'inputs', 'state.safetensors');
    newOptimizer = path.join(tmp, 'inputs', 'optimizer.safetensors');
    await fsp.writeFile(newState, encodeSafetensors(stateOf(2)));
    await fsp.writeFile(newOptimizer, encodeSafetensors(optimizerOf(2)));
  });

  /** Runs the save to the end once to learn its steps. */
  async function stepsOf(setup: (dir: string) => Promise<void>): Promise<string[]> {
    const dir = freshDir();
    await setup(dir);
    const full = runChild({ mode: 'save', dir, killAt: 0, state: newState, optimizer: newOptimizer });
    expect({ status: full.status, stderr: full.status === 0 ? '' : full.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    expect(await versionIn(dir, [1, 2])).toBe(2);
    expect((await fsp.readdir(dir)).sort()).toEqual(CLEAN);
    return full.steps;
  }

  it.each<[string, (dir: string) => Promise<void>, number | 'none']>([
    ['over a previous checkpoint', (dir) => saveVersion(dir, 1), 1],
    [
      'into an empty directory',
      async (dir) => {
        await fsp.mkdir(dir, { recursive: true });
      },
      'none',
    ],
  ])(
    '%s leaves the old or the new checkpoint, bit-exact, and the next save cleans up',
    async (_label, setup, old) => {
      const steps = await stepsOf(setup);
      const commit = steps.indexOf(COMMIT) + 1;
      expect(commit).toBeGreaterThan(1);
      expect(steps.filter((s) => s.startsWith('half-wrote')).length).toBeGreaterThanOrEqual(3);
      let leftovers = 0;
      for (let k = 1; k <= steps.length; k++) {
        const dir = freshDir();
        await setup(dir);
        const r = runChild({ mode: 'save', dir, killAt: k, state: newState, optimizer: newOptimizer });
        expect([k, r.signal]).toEqual([k, 'SIGKILL']);
        expect([k, steps[k - 1], await versionIn(dir, [1, 2])]).toEqual([
          k,
          steps[k - 1],
          k < commit ? old : 2,
        ]);

        const listing = (await fsp.readdir(dir)).sort();
        if (JSON.stringify(listing) !== JSON.stringify(old === 'none' ? [] : CLEAN)) leftovers++;
        await saveVersion(dir, 3);
        expect([k, (await fsp.readdir(dir)).sort()]).toEqual([k, CLEAN]);
        expect(await versionIn(dir, [3])).toBe(3);
      }
      // Most kills leave a temporary or a second generation behind, which the next save removed.
      expect(leftovers).toBeGreaterThan(steps.length / 2);
    },
  );
});

describe('generations in the manifest', () => {
  it.each<[string, unknown]>([
    ['zero', 0],
    ['negative', -1],
    ['fractional', 1.5],
    ['string', '2'],
  ])('refuses a %s generation (MANIFEST)', async (_label, generation) => {
    const dir = freshDir();
    await saveVersion(dir, 1);
    const file = path.join(dir, 'manifest.json');
    const m = JSON.parse(await fsp.readFile(file, 'utf8')) as Record<string, unknown>;
    await fsp.writeFile(file, JSON.stringify({ ...m, generation }));
    const e = await loadCheckpoint(dir).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(CheckpointError);
    expect([(e as CheckpointError).code, (e as CheckpointError).field]).toEqual(['MANIFEST', 'generation']);
  });

  it('are followed by a load that a save overtakes: a file gone missing is retried with the new manifest', async () => {
    const dir = freshDir();
    await saveVersion(dir, 1);
    const manifestFile = path.join(dir, 'manifest.json');
    const plain = await fsp.readFile(manifestFile, 'utf8');
    // The state between a save's two commits: the manifest names generation 1.
    for (const f of ['model', 'optimizer']) {
      await fsp.rename(path.join(dir, `${f}.safetensors`), path.join(dir, `${f}.1.safetensors`));
    }
    await fsp.writeFile(manifestFile, JSON.stringify({ ...JSON.parse(plain), generation: 1 }));
    expect(await versionIn(dir, [1])).toBe(1);

    // The save commits the plain names just after the loader read the manifest.
    const open = fsp.open.bind(fsp);
    let overtaken = 0;
    const spy = jest.spyOn(fsp, 'open').mockImplementation(async (file, ...rest) => {
      if (String(file).endsWith('model.1.safetensors') && overtaken++ === 0) {
        for (const f of ['model', 'optimizer']) {
          await fsp.rename(path.join(dir, `${f}.1.safetensors`), path.join(dir, `${f}.safetensors`));
        }
        await fsp.writeFile(manifestFile, plain);
      }
      return open(file, ...rest);
    });
    try {
      expect(await versionIn(dir, [1])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(overtaken).toBe(1);
  });

  it('refuses an extra file name that reads as a generation of another', async () => {
    const state = toTensors(stateOf(1));
    const e = await saveCheckpoint(freshDir(), {
      model: 'crash-test',
      state,
      files: { 'opt.1': state },
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(CheckpointError);
    expect([(e as CheckpointError).code, (e as CheckpointError).field]).toEqual(['MANIFEST', 'files.opt.1']);
    tf.dispose(Object.values(state));
  });
});

describe('saves of one process to one directory at once', () => {
  it('run one after the other: the last one wins, complete, in a clean directory', async () => {
    const dir = freshDir();
    await saveVersion(dir, 1);
    await Promise.all([2, 3, 4, 5].map((v) => saveVersion(dir, v)));
    expect(await versionIn(dir, [1, 2, 3, 4, 5])).toBe(5);
    expect((await fsp.readdir(dir)).sort()).toEqual(CLEAN);
  });
});

describe('stale files', () => {
  function deadPid(): number {
    const r = spawnSync(process.execPath, ['-e', '']);
    return r.pid as number;
  }

  it("removes only temporaries of dead writers and the checkpoint's unreferenced generations", async () => {
    const dir = freshDir();
    await saveVersion(dir, 1);
    const dead = deadPid();
    const stale = [
      `.model.safetensors.${dead}.0123456789ab.tmp`,
      `.manifest.json.${dead}.ba9876543210.tmp`,
      `.card.json.${dead}.aaaaaaaaaaaa.tmp`,
      'model.7.safetensors',
      'optimizer.2.safetensors',
    ];
    const kept = [
      `.model.safetensors.${process.pid}.0123456789ab.tmp`, // this process: may be in flight
      `.model.safetensors.${process.ppid}.0123456789ab.tmp`, // a live process
      `.model.safetensors.${dead}.tmp`, // not our pattern
      `model.safetensors.${dead}.0123456789ab.tmp`, // not hidden: not ours
      'weights.3.safetensors', // not one of the checkpoint's names
      'notes.txt',
    ];
    for (const f of [...stale, ...kept]) await fsp.writeFile(path.join(dir, f), 'x');
    await saveVersion(dir, 2);
    expect((await fsp.readdir(dir)).sort()).toEqual([...CLEAN, ...kept].sort());
    expect(await versionIn(dir, [2])).toBe(2);
  });
});

describe('Trainer checkpoints', () => {
  /** The child's model and data (test/helpers/crash-save.js). */
  const x = [
    [1, 2, 3],
    [-1, 0.5, 2],
  ];
  const y = [
    [1, 0],
    [0, 1],
  ];
  interface Batch {
    x: tf.Tensor2D;
    y: tf.Tensor2D;
  }
  const data: BatchSource<Batch> = {
    numBatches: () => 2,
    batch: () => ({ x: tf.tensor2d(x), y: tf.tensor2d(y) }),
  };

  function trainerFor(model: Linear, dir: string): Trainer<Batch, Linear> {
    return new Trainer<Batch, Linear>({
      model,
      optimizer: new AdamW(model, { lr: 0.1 }),
      loss: (b, m) => ({ loss: tf.losses.meanSquaredError(b.y, m.forward(b.x)) as tf.Scalar }),
      data,
      epochs: 1,
      progress: false,
      checkpoint: { dir, every: 1, model: 'crash-linear' },
    });
  }

  function weights(model: Linear): Buffer {
    return encodeSafetensors({
      bias: { dtype: 'F32', shape: [2], data: (model.bias as tf.Variable).dataSync() as Float32Array },
      weight: { dtype: 'F32', shape: [3, 2], data: model.weight.dataSync() as Float32Array },
    });
  }

  it('keeps the previous checkpoint when a save dies, and resumes from it exactly', async () => {
    const probe = freshDir();
    const full = runChild({ mode: 'train', dir: probe, killAt: 0, report: path.join(tmp, 'probe.jsonl') });
    expect({ status: full.status, stderr: full.status === 0 ? '' : full.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const commit = full.steps.indexOf(COMMIT) + 1;
    expect(commit).toBeGreaterThan(1);

    for (const [killAt, step] of [
      [1, 1],
      [commit - 1, 1],
      [commit, 2],
      [full.steps.length, 2],
    ]) {
      const dir = freshDir();
      const report = `${dir}.jsonl`;
      const r = runChild({ mode: 'train', dir, killAt, report });
      expect([killAt, r.signal]).toEqual([killAt, 'SIGKILL']);
      const byStep = (await fsp.readFile(report, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { step: number; model: string });
      expect(byStep.map((s) => s.step)).toEqual([1, 2]);

      const model = new Linear(3, 2);
      const trainer = trainerFor(model, dir);
      await trainer.resume(dir);
      expect([killAt, trainer.position.step]).toEqual([killAt, step]);
      expect(weights(model).toString('base64')).toBe(byStep[step - 1].model);
      // Training on from the surviving checkpoint reaches the child's step 2 exactly.
      await trainer.fit();
      expect(weights(model).toString('base64')).toBe(byStep[1].model);
      model.dispose();
    }
  });
});
