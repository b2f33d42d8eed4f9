import * as core from '@moe-zoo/core';
import { BALANCING_ARMS } from '../../src/suites/designs/balancing-arms';
import { armsForBackend } from '../../src/suites/designs/run';

jest.mock('@moe-zoo/core', () => {
  const actual = jest.requireActual<typeof core>('@moe-zoo/core');
  return { ...actual, backendCapabilities: jest.fn(actual.backendCapabilities) };
});

const capabilities = core.backendCapabilities as jest.MockedFunction<typeof core.backendCapabilities>;

beforeAll(async () => {
  await core.initBackend({ backend: 'wasm' });
});

describe("the designs suite's arms per backend", () => {
  it('keeps every arm, untouched, where the backend reads back synchronously', () => {
    const { arms, leftOut } = armsForBackend(BALANCING_ARMS, 'wasm');
    expect(arms).toEqual(BALANCING_ARMS);
    expect(leftOut).toEqual([]);
  });

  it('leaves BASE layers out without synchronous reads (its router says it needs them), saying why', () => {
    capabilities.mockReturnValue({
      ...jest.requireActual<typeof core>('@moe-zoo/core').backendCapabilities(),
      syncReadback: false,
    });
    const before = core.tf.memory().numTensors;
    const { arms, leftOut } = armsForBackend(BALANCING_ARMS, 'webgpu');
    expect(arms.map((a) => a.variant)).toEqual(['hash-position', 'noisy-top2']);
    expect(leftOut).toEqual([
      { variant: 'base-layers', why: expect.stringMatching(/on the host .* webgpu backend .*syncReadback/) },
    ]);
    expect(core.tf.memory().numTensors).toBe(before); // the models asked were disposed
  });
});
