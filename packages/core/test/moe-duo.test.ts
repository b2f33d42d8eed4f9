/**
 * Defining behaviours of Duo-LLM's FFN slot (small / big / skip per token), its router and the
 * exhaustive pattern oracle: skip adds nothing, the modules' sizes and costs, imposed choices are
 * honoured, gradients reach the chosen modules only, the oracle equals a brute-force search, and a
 * training step leaves no tensor behind.
 */
import {
  AdamW,
  ConfigError,
  DUO_BIG,
  DUO_SKIP,
  DUO_SMALL,
  DuoFfn,
  duoOracle,
  duoPatterns,
  initBackend,
  patternCompute,
  selectDuoOracle,
  setSeed,
  sweepDuoPatterns,
  tf,
  TokenClassifier,
  TransformerBlock,
  type DuoFfnConfigInput,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

const D = 8;
const SMALL = 4;
const BIG = 16;
const duo = (c: Partial<DuoFfnConfigInput> = {}): DuoFfn =>
  new DuoFfn({ dim: D, smallHidden: SMALL, bigHidden: BIG, ...c });
const choices = (values: number[]): tf.Tensor2D => tf.tensor2d(values, [values.length, 1], 'int32');
const rows = (t: tf.Tensor): number[][] => t.arraySync() as number[][];

describe('Duo FFN config', () => {
  it('is strict and bounded, the small module narrower than the big one', () => {
    const error = (c: Record<string, unknown>): ConfigError => {
      try {
        duo(c as Partial<DuoFfnConfigInput>);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    expect(error({ smalHidden: 2 }).issues.map((i) => i.path)).toEqual(['smalHidden']);
    expect(error({ smallHidden: 16 }).issues.map((i) => i.path)).toEqual(['smallHidden']);
    expect(error({ bigHidden: 1e6 }).issues.map((i) => i.path)).toEqual(['bigHidden']);
    expect(error({ randomProbs: [0, 0, 0] }).issues.map((i) => i.path)).toEqual(['randomProbs']);
    expect(error({ losses: { compute: 0.1, aux: 0.01 } }).issues.map((i) => i.path)).toEqual(['losses.aux']);
  });
});

describe('Duo FFN slot', () => {
  it('skip adds nothing: zero FFN output, so a block passes its residual stream unchanged', () => {
    setSeed(1);
    const x = tf.randomNormal([6, D]) as tf.Tensor2D;
    for (const dispatch of ['sorted', 'dense'] as const) {
      const l = duo({ dispatch });
      const { y, aux } = l.forward(x, { imposedRouting: choices([0, 0, 0, 0, 0, 0]) });
      expect(Array.from(y.dataSync()).every((v) => v === 0)).toBe(true);
      expect(Array.from(aux.counts.dataSync())).toEqual([6, 0, 0]);
      l.dispose();
    }
    const block = new TransformerBlock({ dim: D, heads: 2, ffn: duo() });
    const xb = tf.randomNormal([2, 3, D]);
    const skipped = block.forward(xb, undefined, { imposedRouting: choices([0, 0, 0, 0, 0, 0]) }).y;
    const attentionOnly = tf.add(xb, block.attn.forward(block.ln1.forward(xb)));
    expect(Array.from(skipped.dataSync())).toEqual(Array.from(attentionOnly.dataSync()));
    block.dispose();
  });

  it('has a small and a big GELU FFN with their parameter counts and costs', () => {
    const layer = duo();
    const ffn = (h: number): number => 2 * D * h + h + D;
    expect(layer.experts.paramsOf(DUO_SKIP)).toBe(0);
    expect(layer.experts.paramsOf(DUO_SMALL)).toBe(ffn(SMALL));
    expect(layer.experts.paramsOf(DUO_BIG)).toBe(ffn(BIG));
    expect(layer.countParams()).toBe(ffn(SMALL) + ffn(BIG) + D * 3);
    expect(layer.choiceFlops()).toEqual([0, 4 * D * SMALL, 4 * D * BIG]);
    // A token runs one module at most: the small one is inactive beside the big path.
    expect(layer.inactiveParams()).toBe(ffn(SMALL));
    expect(layer.flopsPerToken()).toBe(2 * D * 3 + 4 * D * BIG);
    const x = tf.randomNormal([5, D]) as tf.Tensor2D;
    expect(layer.experts.forwardAll(x).shape).toEqual([3, 5, D]);
    expect(layer.experts.forwardSorted(x, [1, 2, 2]).shape).toEqual([5, D]);
    expect(Object.keys(layer.stateDict()).sort()).toEqual(
      [
        'experts.big.fc1.bias',
        'experts.big.fc1.weight',
        'experts.big.fc2.bias',
        'experts.big.fc2.weight',
        'experts.small.fc1.bias',
        'experts.small.fc1.weight',
        'experts.small.fc2.bias',
        'experts.small.fc2.weight',
        'router.weight',
      ].sort(),
    );
    layer.dispose();
  });

  it('honours imposed per-token choices on both dispatch paths, in both routings, in training too', () => {
    setSeed(2);
    const x = tf.randomNormal([9, D]) as tf.Tensor2D;
    const imposed = [2, 0, 1, 1, 2, 0, 0, 2, 1];
    for (const dispatch of ['sorted', 'dense'] as const) {
      for (const routing of ['learned', 'random'] as const) {
        for (const training of [false, true]) {
          const layer = duo({ dispatch, routing });
          layer.train(training);
          const small = rows(layer.experts.small.forward(x));
          const big = rows(layer.experts.big.forward(x));
          const { y, aux } = layer.forward(x, { imposedRouting: choices(imposed) });
          expect(Array.from(aux.indices.dataSync())).toEqual(imposed);
          rows(y).forEach((row, t) => {
            const want =
              imposed[t] === DUO_SKIP ? row.map(() => 0) : imposed[t] === DUO_SMALL ? small[t] : big[t];
            row.forEach((v, j) => expect(v).toBeCloseTo(want[j], 5));
          });
          layer.dispose();
        }
      }
    }
  });

  it('gradients reach the chosen modules only (and the learned router through its straight-through gate)', () => {
    setSeed(3);
    const x = tf.randomNormal([8, D]) as tf.Tensor2D;
    const r = tf.randomNormal([8, D]);
    const largest = (g: tf.Tensor): number => tf.max(tf.abs(g)).dataSync()[0];
    const zeroOrAbsent = (g: tf.Tensor | undefined): boolean => !g || largest(g) === 0;
    const nonZero = (g: tf.Tensor | undefined): boolean => !!g && largest(g) > 0;
    for (const dispatch of ['sorted', 'dense'] as const) {
      const layer = duo({ dispatch });
      layer.train();
      const gradsFor = (imposed: number[]): Record<string, tf.Tensor> => {
        const named = layer.namedParameters();
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.mul(layer.forward(x, { imposedRouting: choices(imposed) }).y, r)) as tf.Scalar,
          named.map(([, v]) => v),
        );
        value.dispose();
        return Object.fromEntries(named.map(([n, v]) => [n, grads[v.name]]));
      };
      const onlySmall = gradsFor([1, 1, 1, 1, 1, 1, 1, 1]);
      expect(nonZero(onlySmall['experts.small.fc1.weight'])).toBe(true);
      expect(zeroOrAbsent(onlySmall['experts.big.fc1.weight'])).toBe(true);
      expect(zeroOrAbsent(onlySmall['experts.big.fc2.bias'])).toBe(true);
      expect(nonZero(onlySmall['router.weight'])).toBe(true);
      const skipOrBig = gradsFor([0, 2, 0, 2, 0, 2, 0, 2]);
      expect(zeroOrAbsent(skipOrBig['experts.small.fc1.weight'])).toBe(true);
      expect(nonZero(skipOrBig['experts.big.fc1.weight'])).toBe(true);
      const allSkip = gradsFor([0, 0, 0, 0, 0, 0, 0, 0]);
      for (const [name, g] of Object.entries(allSkip)) {
        if (name.startsWith('experts.')) expect([name, zeroOrAbsent(g)]).toEqual([name, true]);
      }
      layer.dispose();
    }
  });

  it('the learned router picks its most probable choice; per sequence, one choice for all its tokens', () => {
    setSeed(4);
    const x = tf.randomNormal([12, D]) as tf.Tensor2D;
    const perToken = duo();
    perToken.eval();
    const a = perToken.forward(x);
    const argmax = Array.from(tf.argMax(tf.matMul(x, perToken.router.weight), -1).dataSync());
    expect(Array.from(a.aux.indices.dataSync())).toEqual(argmax);
    const perSeq = duo({ routeBy: 'sequence' });
    perSeq.eval();
    const b = perSeq.forward(tf.reshape(x, [3, 4, D]));
    const seqMeans = tf.mean(tf.reshape(x, [3, 4, D]), 1);
    const seqChoice = Array.from(tf.argMax(tf.matMul(seqMeans, perSeq.router.weight), -1).dataSync());
    expect(Array.from(b.aux.indices.dataSync())).toEqual(seqChoice.flatMap((c) => [c, c, c, c]));
    expect(() => perSeq.forward(x)).toThrow(/seqLen/);
    [perToken, perSeq].forEach((l) => l.dispose());
  });

  it('random routing draws from its probabilities, ignoring the router', () => {
    setSeed(5);
    const x = tf.randomNormal([3000, D]) as tf.Tensor2D;
    const layer = duo({ routing: 'random', randomProbs: [0.2, 0.3, 0.5] });
    const { aux } = layer.forward(x);
    const counts = Array.from(aux.counts.dataSync()).map((c) => c / 3000);
    [0.2, 0.3, 0.5].forEach((p, c) => expect(Math.abs(counts[c] - p)).toBeLessThan(0.04));
    expect(Array.from(tf.slice(aux.probs, [0, 0], [1, 3]).dataSync()).map((p) => +p.toFixed(6))).toEqual([
      0.2, 0.3, 0.5,
    ]);
    const allBig = duo({ routing: 'random', randomProbs: [0, 0, 1] }).forward(x).aux;
    expect(Array.from(allBig.counts.dataSync())).toEqual([0, 0, 3000]);
    expect(layer.flopsPerToken()).toBe(4 * D * BIG);
    layer.setRouting('learned');
    expect(layer.routing).toBe('learned');
    layer.dispose();
  });

  it('adds the compute penalty λ · mean Σ p·cost with the learned router only', () => {
    setSeed(6);
    const x = tf.randomNormal([10, D]) as tf.Tensor2D;
    const layer = duo({ losses: { compute: 0.3 } });
    const { aux } = layer.forward(x);
    const p = rows(aux.probs);
    const cost = [0, SMALL / BIG, 1];
    const want = (0.3 * p.reduce((s, row) => s + row.reduce((a, v, c) => a + v * cost[c], 0), 0)) / 10;
    expect(aux.losses.compute.dataSync()[0]).toBeCloseTo(want, 6);
    layer.setRouting('random');
    expect(Object.keys(layer.forward(x).aux.losses)).toEqual([]);
    layer.dispose();
  });
});

describe('Duo patterns and the oracle', () => {
  it('enumerates the 3^L patterns and their compute', () => {
    expect(duoPatterns(2)).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 0],
      [2, 1],
      [2, 2],
    ]);
    expect(duoPatterns(4)).toHaveLength(81);
    const layer = duo();
    expect(patternCompute([layer, layer], [DUO_BIG, DUO_SKIP])).toBeCloseTo(0.5, 12);
    expect(patternCompute([layer, layer], [DUO_SMALL, DUO_SMALL])).toBeCloseTo(SMALL / BIG, 12);
    expect(patternCompute([layer, layer], [DUO_BIG, DUO_BIG])).toBe(1);
    expect(() => patternCompute([layer], [3])).toThrow(/choice 3/);
    layer.dispose();
  });

  // A residual stack of two Duo layers, per-sample loss: the mean over a sample's tokens of |h - target|².
  const B = 6;
  const L = 3;
  function stack(): { layers: DuoFfn[]; x: tf.Tensor2D; target: tf.Tensor2D } {
    setSeed(7);
    const layers = [duo({ routing: 'random' }), duo({ routing: 'random' })];
    layers.forEach((l) => l.eval());
    return {
      layers,
      x: tf.randomNormal([B * L, D]) as tf.Tensor2D,
      target: tf.randomNormal([B * L, D]) as tf.Tensor2D,
    };
  }
  function losses(layers: DuoFfn[], x: tf.Tensor2D, target: tf.Tensor2D, pattern?: number[]): number[] {
    const n = x.shape[0] / L;
    const out = tf.tidy(() => {
      let h: tf.Tensor = x;
      layers.forEach((layer, l) => {
        const imposedRouting = pattern
          ? (tf.fill([n * L, 1], pattern[l], 'int32') as tf.Tensor2D)
          : undefined;
        const { y } = layer.forward(h, { seqLen: L, imposedRouting });
        h = tf.add(h, y);
      });
      return tf.mean(tf.reshape(tf.sum(tf.square(tf.sub(h, target)), -1), [n, L]), 1);
    });
    const v = Array.from(out.dataSync());
    out.dispose();
    return v;
  }

  it('the exhaustive oracle equals a brute-force search per sample (with a budget and a pattern filter)', async () => {
    const { layers, x, target } = stack();
    const patterns = duoPatterns(2);
    // Brute force: every sample alone, every pattern imposed directly on the layers.
    const table = Array.from({ length: B }, (_, s) =>
      patterns.map((p) => {
        const xs = tf.slice(x, [s * L, 0], [L, D]) as tf.Tensor2D;
        const ts = tf.slice(target, [s * L, 0], [L, D]) as tf.Tensor2D;
        return losses(layers, xs, ts, p)[0];
      }),
    );
    const compute = patterns.map((p) => patternCompute(layers, p));
    const brute = (ok: (i: number) => boolean): number[] =>
      table.map((row) => {
        let best = -1;
        row.forEach((v, i) => {
          if (ok(i) && (best < 0 || v < row[best])) best = i;
        });
        return best;
      });
    const evaluate = () => ({
      loss: losses(layers, x, target),
      tokens: Array.from({ length: B }, (_, s) => s),
    });
    const oracle = await duoOracle(layers, evaluate);
    const expected = brute(() => true);
    expect(oracle.best).toEqual(expected);
    oracle.loss.forEach((v, s) => expect(v).toBeCloseTo(table[s][expected[s]], 4));
    oracle.pattern.forEach((p, s) => expect(p).toEqual(patterns[expected[s]]));
    expect(oracle.outcomes.tokens).toEqual([0, 1, 2, 3, 4, 5]);
    // Never worse than any single pattern for any sample.
    table.forEach((row, s) => row.forEach((v) => expect(oracle.loss[s]).toBeLessThanOrEqual(v + 1e-4)));

    const sweep = await sweepDuoPatterns(layers, evaluate);
    const budget = selectDuoOracle(sweep, { maxCompute: 0.3 });
    expect(budget.best).toEqual(brute((i) => compute[i] <= 0.3));
    expect(Math.max(...budget.compute)).toBeLessThanOrEqual(0.3);
    const oneBig = (p: readonly number[]): boolean =>
      p.filter((c) => c === DUO_BIG).length === 1 && !p.includes(DUO_SKIP);
    const filtered = selectDuoOracle(sweep, { allowed: oneBig });
    expect(filtered.best).toEqual(brute((i) => oneBig(patterns[i])));
    expect(filtered.compute.every((c) => Math.abs(c - (1 + SMALL / BIG) / 2) < 1e-12)).toBe(true);
    expect(() => selectDuoOracle(sweep, { maxCompute: 0.3, allowed: oneBig })).toThrow(/no pattern/);
    // The layers' taps are restored: routing is random again.
    const free = layers[0].forward(tf.randomNormal([300, D]), { seqLen: L });
    expect(Array.from(free.aux.counts.dataSync()).every((c) => c > 0)).toBe(true);
    [...layers, x, target].forEach((t) => t.dispose());
  });
});

describe('training a model with Duo slots', () => {
  it('adds no tensor per step, with random routing and with the learned router', () => {
    setSeed(8);
    const model = new TokenClassifier({
      inputDim: 4,
      tokens: 3,
      dim: D,
      heads: 2,
      depth: 2,
      numClasses: 3,
      ffn: { kind: 'dense', hidden: BIG },
    });
    for (const block of model.blocks) {
      block.replaceFfn(duo({ routeBy: 'sequence', routing: 'random', losses: { compute: 0.1 } })).dispose();
    }
    const layers = model.blocks.map((b) => b.ffn as DuoFfn);
    const x = tf.randomNormal([5, 3, 4]);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1], 'int32'), 3);
    const opt = new AdamW(model, { lr: 1e-2 });
    const step = (): number =>
      opt.minimize(() => {
        const { logits, aux } = model.forward(x);
        const terms = aux.flatMap((a) => Object.values(a.losses));
        return tf.addN([tf.losses.softmaxCrossEntropy(labels, logits), ...terms]) as tf.Scalar;
      });
    for (const routing of ['random', 'learned'] as const) {
      layers.forEach((l) => l.setRouting(routing));
      step(); // warm-up: the first call of a mode
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) expect(Number.isFinite(step())).toBe(true);
      expect([routing, tf.memory().numTensors - before]).toEqual([routing, 0]);
    }
    opt.dispose();
    model.dispose();
  });
});
