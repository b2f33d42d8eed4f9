/**
 * What used to read back synchronously, on a backend without synchronous reads (webgpu in Node),
 * simulated on the test backend: `backendCapabilities().syncReadback` reports false and every
 * `dataSync` / `arraySync` throws, as on webgpu in Node. BASE evaluates on the device and refuses
 * to train with a `SyncReadbackError`; hash routing by host ids reads nothing; the dense-to-sparse
 * gate anneals from its host step counter and reads its buffer only after a load assigned it; the
 * quantized banks build from weights read with `await`. The results with synchronous reads are
 * the references.
 */
import * as capabilities from '../src/backend/capabilities';
import {
  EntropyCodedTernaryExperts,
  ffnWeightsOf,
  ffnWeightsOfAsync,
  initBackend,
  MixedPrecisionExperts,
  NestedBitExperts,
  requireSyncReadback,
  setSeed,
  SyncReadbackError,
  TERNARY_BITS,
  tf,
} from '../src';
import {
  annealedTemperature,
  BalancedRouter,
  DenseToSparseRouter,
  FfnExperts,
  HashRouter,
  SoftmaxTopKRouter,
  type TokenChoice,
} from '../src/moe';
import { trainThroughAnneal } from './helpers/anneal';

beforeAll(async () => {
  await initBackend();
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** From here on (until the mocks are restored) the backend behaves like webgpu in Node. */
function withoutSyncReads(): void {
  const real = capabilities.backendCapabilities();
  jest.spyOn(capabilities, 'backendCapabilities').mockReturnValue({ ...real, syncReadback: false });
  const refuse = (): never => {
    throw new Error('simulated webgpu: no synchronous reads');
  };
  jest.spyOn(tf.Tensor.prototype, 'dataSync').mockImplementation(refuse);
  jest.spyOn(tf.Tensor.prototype, 'arraySync').mockImplementation(refuse);
}

const read = async (t: tf.Tensor): Promise<number[]> => Array.from(await t.data());

describe('requireSyncReadback', () => {
  it('does nothing with synchronous reads and throws a SyncReadbackError naming the part without', () => {
    expect(() => requireSyncReadback('a part', 'do this')).not.toThrow();
    withoutSyncReads();
    let caught: unknown;
    try {
      requireSyncReadback('a part', 'do this');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SyncReadbackError);
    const err = caught as SyncReadbackError;
    expect(err.component).toBe('a part');
    expect(err.backend).toBe(tf.getBackend());
    expect(err.message).toMatch(/^a part needs a synchronous read .*syncReadback.*: do this$/);
  });
});

describe('BASE layers without synchronous reads', () => {
  it('route on the device in evaluation (the same top-1 as with reads) and refuse to train', async () => {
    setSeed(3);
    const r = new BalancedRouter({ dim: 8, numExperts: 4 });
    const x = tf.randomNormal([32, 8]) as tf.Tensor2D;
    r.eval();
    const reference = await read((r.route(x).assignment as TokenChoice).indices);
    r.train();
    const trained = (r.route(x).assignment as TokenChoice).indices; // host assignment, with reads
    expect(await read(trained)).not.toEqual(reference); // balanced: not everyone's top-1
    expect(r.needsSyncReadbackToTrain).toBe(true);
    expect(new SoftmaxTopKRouter({ dim: 8, numExperts: 4, k: 2 }).needsSyncReadbackToTrain).toBe(false);

    withoutSyncReads();
    r.eval();
    expect(await read((r.route(x).assignment as TokenChoice).indices)).toEqual(reference);
    r.train();
    expect(() => r.route(x)).toThrow(SyncReadbackError);
    expect(() => r.route(x)).toThrow(/^balanced router \(BASE layers\) in training needs a synchronous read/);
  });
});

describe('hash routing without synchronous reads', () => {
  it('routes host ids exactly as tensor ids with reads; tensor ids are a SyncReadbackError', async () => {
    const r = new HashRouter({ numExperts: 8, seed: 19376 });
    const ids = Int32Array.from({ length: 48 }, (_, i) => i % 16);
    const x = tf.zeros([48, 4]) as tf.Tensor2D;
    const byTensor = await read(
      (r.route(x, { tokenIds: tf.tensor1d(ids, 'int32') }).assignment as TokenChoice).indices,
    );
    withoutSyncReads();
    const byHost = await read((r.route(x, { tokenIds: ids }).assignment as TokenChoice).indices);
    expect(byHost).toEqual(byTensor);
    expect(new Set(byHost).size).toBe(8); // every expert used: the ids were really routed
    expect(() => r.route(x, { tokenIds: tf.tensor1d(ids, 'int32') })).toThrow(SyncReadbackError);
  });
});

describe('the dense-to-sparse gate without synchronous reads', () => {
  const options = { dim: 8, numExperts: 4, k: 1, temperatureStart: 2, temperatureEnd: 0.3, annealSteps: 3 };

  it('anneals from its host step counter: the schedule and the buffer as with reads', async () => {
    setSeed(9);
    const r = new DenseToSparseRouter(options);
    const x = tf.randomNormal([5, 8], 0, 1, 'float32', 9) as tf.Tensor2D;
    withoutSyncReads();
    const temps: number[] = [];
    const widths: number[] = [];
    for (let s = 0; s < 5; s++) {
      temps.push(r.temperature);
      widths.push((r.route(x).assignment as TokenChoice).indices.shape[1]);
      r.afterStep();
    }
    expect(temps).toEqual([0, 1, 2, 3, 4].map((s) => annealedTemperature(s, 2, 0.3, 3)));
    expect(widths).toEqual([4, 4, 4, 1, 1]); // dense while annealing, top-1 from step 3
    expect(await read(r.step)).toEqual([5]);
  });

  it('reads its buffer only after a load assigned it, once; steps can be set with no read', async () => {
    const trained = new DenseToSparseRouter(options);
    for (let s = 0; s < 3; s++) trained.afterStep();

    // With reads: a load of the buffer is read back at the next use.
    const copy = new DenseToSparseRouter(options);
    const reads = jest.spyOn(copy.step, 'dataSync');
    copy.loadStateDict({ weight: trained.weight }, { strict: false }); // not the step: nothing to read
    expect(copy.steps).toBe(0);
    expect(reads).not.toHaveBeenCalled();
    copy.loadStateDict(trained.stateDict());
    expect(copy.sparse).toBe(true);
    expect(copy.steps).toBe(3);
    expect(reads).toHaveBeenCalledTimes(1);
    jest.restoreAllMocks();

    // Without reads: the loaded buffer cannot be read back; setting the step count can.
    withoutSyncReads();
    const other = new DenseToSparseRouter(options);
    other.loadStateDict(trained.stateDict());
    expect(() => other.steps).toThrow(SyncReadbackError);
    other.steps = 3;
    expect(other.sparse).toBe(true);
    expect(await read(other.step)).toEqual([3]);
    expect(() => (other.steps = 1.5)).toThrow(/non-negative integer/);
  });

  it('a layer trains through the anneal with the Trainer and capacity dispatch built on the device', async () => {
    setSeed(13);
    const { layer, router, seen, losses } = await trainThroughAnneal(
      { dispatch: 'capacity', losses: { aux: 0.01 } },
      withoutSyncReads,
    );
    expect(seen).toEqual([4, 4, 4, 1]);
    expect(await read(router.step)).toEqual([4]);
    expect(losses.every(Number.isFinite)).toBe(true);
    layer.dispose();
  });
});

describe('quantized banks without synchronous reads', () => {
  it('build from awaited weights exactly as from synchronous reads; without them, the read fails', async () => {
    setSeed(21);
    const bank = new FfnExperts({ numExperts: 4, dim: 12, hidden: 20 });
    const bits = [8, 4, 2, TERNARY_BITS];
    const reference = {
      mixed: new MixedPrecisionExperts(bank, bits),
      coded: new EntropyCodedTernaryExperts(bank),
      nested: new NestedBitExperts(bank),
    };
    const weights = await ffnWeightsOfAsync(bank);
    expect(weights).toEqual(ffnWeightsOf(bank));

    withoutSyncReads();
    expect(() => new MixedPrecisionExperts(bank, bits)).toThrow(/no synchronous reads/);
    const built = {
      mixed: new MixedPrecisionExperts(bank, bits, weights),
      coded: new EntropyCodedTernaryExperts(bank, {}, weights),
      nested: new NestedBitExperts(bank, [8, 4, 2], weights),
    };
    expect(built.mixed.store).toEqual(reference.mixed.store);
    expect(built.coded.store).toEqual(reference.coded.store);
    expect(built.nested.storedBytes()).toBe(reference.nested.storedBytes());
    for (const name of ['mixed', 'coded'] as const) {
      expect(await read(built[name].dequantized.w1)).toEqual(await read(reference[name].dequantized.w1));
      expect(await read(built[name].dequantized.w2)).toEqual(await read(reference[name].dequantized.w2));
    }
    expect(await read(built.nested.codes1)).toEqual(await read(reference.nested.codes1));
    expect(await read(built.nested.scales2)).toEqual(await read(reference.nested.scales2));
    for (const b of [...Object.values(reference), ...Object.values(built), bank]) b.dispose();
  });
});
