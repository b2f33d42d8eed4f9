import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { denseReference } from '../../src/suites/compression/dense-reference';
import { compressionPlan, evenlySpaced } from '../../src/suites/compression/plan';
import type { ZooTask } from '../../src/suites/compression/tasks';
import type { SuiteContext } from '../../src/types';

describe('the compression plan', () => {
  it('quick and full score every audio clip and train missing dense references; tiny does neither', () => {
    for (const quick of [true, false]) {
      const plan = compressionPlan(quick);
      expect(plan.audioTestClips).toBeUndefined();
      expect(plan.trainDenseReference).toBe(true);
    }
    expect(compressionPlan(true)).toEqual(compressionPlan(true, false));
    const tiny = compressionPlan(true, true);
    expect(tiny.trainDenseReference).toBe(false);
    expect(tiny.audioTestClips).toBeLessThan(720);
    expect(tiny.visionTestPerClass).toBeLessThan(compressionPlan(true).visionTestPerClass);
  });

  it('spreads a subset evenly and keeps every item in order without one', () => {
    expect(evenlySpaced(10, 4)).toEqual([0, 2, 5, 7]);
    expect(evenlySpaced(720, 120).filter((i, k, a) => k > 0 && i - a[k - 1] !== 6)).toEqual([]);
    expect(evenlySpaced(5)).toEqual([0, 1, 2, 3, 4]);
    expect(evenlySpaced(5, 9)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('the dense reference without training', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-zoo-dense-ref-'));
  const saved = process.env.MOE_ZOO_CACHE;
  beforeAll(() => (process.env.MOE_ZOO_CACHE = cache));
  afterAll(() => {
    if (saved === undefined) delete process.env.MOE_ZOO_CACHE;
    else process.env.MOE_ZOO_CACHE = saved;
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('is left out when it is not cached, and nothing is trained', async () => {
    const trainDense = jest.fn();
    const task = {
      name: 'tiny-task',
      recipe: { settings: { epochs: 1 }, seed: 0 },
      trainDense,
    } as unknown as ZooTask;
    const ctx = { log: jest.fn(), progress: jest.fn() } as unknown as SuiteContext;
    await expect(denseReference(ctx, task, 12, { train: false })).resolves.toBeUndefined();
    expect(trainDense).not.toHaveBeenCalled();
    expect(fs.readdirSync(cache)).toEqual([]);
  });
});
