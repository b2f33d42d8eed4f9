/**
 * Core configs and training options are strict and bounded: a misspelt key, an absurd size,
 * topK above numExperts or a wrong-typed learning rate is a ConfigError naming the field, before
 * anything is allocated or trained.
 */
import {
  AdamW,
  ExpertChoiceRouter,
  FfnExperts,
  GeluFFN,
  SoftmaxTopKRouter,
  TransformerBlock,
  ConfigError,
  fineGrained,
  fitShuffled,
  initBackend,
  LIMITS,
  MoELayer,
  parseConfig,
  RouterConfigSchema,
  tf,
  TokenClassifier,
  withParamBudget,
  ParamBudgetError,
  Linear,
  type MoELayerConfigInput,
  type TokenClassifierOptions,
} from '../src';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}
const paths = (e: ConfigError) => e.issues.map((i) => i.path);
const layer = (c: Record<string, unknown>) => () =>
  new MoELayer({ dim: 8, hidden: 16, numExperts: 4, topK: 2, ...c } as MoELayerConfigInput);
const classifier = (c: Record<string, unknown>) => () =>
  new TokenClassifier({
    inputDim: 4,
    tokens: 3,
    dim: 8,
    heads: 2,
    depth: 1,
    numClasses: 3,
    ffn: { kind: 'moe', moe: { hidden: 8, numExperts: 4, topK: 2 } },
    ...c,
  } as TokenClassifierOptions);

beforeAll(async () => {
  await initBackend();
});

describe('core configs are strict', () => {
  it('refuses misspelt keys at every level, naming each one', () => {
    expect(paths(configError(layer({ dispatc: 'dense' })))).toEqual(['dispatc']);
    expect(paths(configError(layer({ capacityfactor: 2 })))).toEqual(['capacityfactor']);
    expect(
      paths(configError(layer({ router: { type: 'sigmoid-loss-free', biasUpdaterate: 1e-2 } }))),
    ).toEqual(['router.biasUpdaterate']);
    expect(paths(configError(layer({ losses: { aux: 0.01, zloss: 1 } })))).toEqual(['losses.zloss']);
    expect(paths(configError(classifier({ moeevery: 2 })))).toEqual(['moeevery']);
    const e = configError(() =>
      parseConfig(RouterConfigSchema, { type: 'softmax', jiter: 0.1 }, 'router config'),
    );
    expect(e.message).toBe('invalid router config: jiter: unrecognized key (misspelt?)');
  });

  it('refuses absurd sizes before allocating, naming the field', () => {
    const bytes = tf.memory().numBytes;
    expect(paths(configError(layer({ numExperts: 1e5 })))).toEqual(['numExperts']);
    expect(paths(configError(layer({ dim: 48000 })))).toEqual(['dim']);
    expect(paths(configError(layer({ hidden: 1e6 })))).toEqual(['hidden']);
    expect(paths(configError(layer({ capacityFactor: 1e6 })))).toEqual(['capacityFactor']);
    // Each field in bounds, the experts' total width not.
    expect(paths(configError(layer({ numExperts: 1024, hidden: 16384, topK: 2 })))).toEqual(['numExperts']);
    expect(paths(configError(classifier({ depth: 65 })))).toEqual(['depth']);
    // Every field in bounds, the whole model beyond the parameter budget: reported on depth.
    expect(
      paths(
        configError(
          classifier({
            dim: 4096,
            heads: 8,
            depth: 64,
            ffn: { kind: 'moe', moe: { hidden: 256, numExperts: 1024, topK: 2 } },
          }),
        ),
      ),
    ).toEqual(['depth']);
    expect(tf.memory().numBytes).toBe(bytes);
  });

  it('refuses topK above numExperts and heads that do not divide dim, naming the field', () => {
    expect(paths(configError(layer({ topK: 9 })))).toEqual(['topK']);
    expect(
      paths(configError(classifier({ ffn: { kind: 'moe', moe: { hidden: 8, numExperts: 4, topK: 9 } } }))),
    ).toEqual(['ffn.moe.topK']);
    expect(paths(configError(classifier({ heads: 3 })))).toEqual(['heads']);
    expect(paths(configError(() => fineGrained({ dim: 8, hidden: 16, numExperts: 4, topK: 2 }, 3)))).toEqual([
      'm',
    ]);
  });

  it("refuses bad options of core's building blocks (routers, expert banks, blocks), naming the field", () => {
    expect(paths(configError(() => new SoftmaxTopKRouter({ dim: 8, numExperts: 4, k: 9 })))).toEqual(['k']);
    expect(
      paths(
        configError(() => new SoftmaxTopKRouter({ dim: 8, numExperts: 4, k: 2, normalise: true } as never)),
      ),
    ).toEqual(['normalise']);
    expect(paths(configError(() => new ExpertChoiceRouter({ dim: 8, numExperts: 1e5 })))).toEqual([
      'numExperts',
    ]);
    expect(
      paths(
        configError(() => new FfnExperts({ numExperts: 4, dim: 8, hidden: 8, activaton: 'relu' } as never)),
      ),
    ).toEqual(['activaton']);
    expect(paths(configError(() => new FfnExperts({ numExperts: 1024, dim: 8, hidden: 16384 })))).toEqual([
      'numExperts',
    ]);
    const ffn = new GeluFFN(8, 16);
    expect(paths(configError(() => new TransformerBlock({ dim: 8, heads: 3, ffn })))).toEqual(['heads']);
    expect(
      paths(configError(() => new TransformerBlock({ dim: 8, heads: 2, ffn, dropuot: 0.1 } as never))),
    ).toEqual(['dropuot']);
    ffn.dispose();
  });

  it('refuses a wrong-typed or absurd learning rate in AdamW and fitShuffled, naming it', async () => {
    const model = new Linear(2, 2);
    expect(paths(configError(() => new AdamW(model, { lr: '0.01' as never })))).toEqual(['lr']);
    expect(paths(configError(() => new AdamW(model, { lr: 1e6 })))).toEqual(['lr']);
    expect(paths(configError(() => new AdamW(model, { beta1: 1 })))).toEqual(['beta1']);
    expect(paths(configError(() => new AdamW(model, { weightdecay: 0 } as never)))).toEqual(['weightdecay']);
    const base = {
      model,
      samples: 8,
      makeBatch: () => ({}),
      loss: () => ({ loss: tf.scalar(0) }),
      epochs: 1,
      batchSize: 4,
      lr: 1e-3,
      seed: 0,
    };
    for (const [over, field] of [
      [{ lr: '0.01' }, 'lr'],
      [{ batchSize: 0 }, 'batchSize'],
      [{ epochs: 1.5 }, 'epochs'],
      [{ batchsize: 4 }, 'batchsize'],
    ] as const) {
      const e = await fitShuffled({ ...base, ...over } as never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ConfigError);
      expect(paths(e as ConfigError)).toEqual([field]);
    }
    model.dispose();
  });

  it('bounds are what the docs say', () => {
    expect(LIMITS).toMatchObject({ dim: 4096, numExperts: 1024, depth: 64, paramValues: 2 ** 28 });
  });
});

describe('withParamBudget', () => {
  it('stops a build at the first tensor past the budget and frees what it registered', () => {
    const tensors = tf.memory().numTensors;
    expect(() => withParamBudget(2 * 2 + 2 + 1, () => new Linear(2, 4))).toThrow(ParamBudgetError);
    expect(tf.memory().numTensors).toBe(tensors);
    const ok = withParamBudget(2 * 4 + 4, () => new Linear(2, 4));
    expect(ok.countParams()).toBe(12);
    ok.dispose();
    // A huge tensor is refused before it is allocated.
    const start = performance.now();
    expect(() => withParamBudget(10, () => new Linear(4096, 4096))).toThrow(
      /more than the 10 parameter values/,
    );
    expect(performance.now() - start).toBeLessThan(200);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
