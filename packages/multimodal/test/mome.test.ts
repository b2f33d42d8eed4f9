import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ensureSpokenDigits } from '@moe-zoo/spoken-digits-tool';
import { ConfigError, initBackend, moduleCosts, setSeed, tf } from '@moe-zoo/core';
import {
  alignedExpertOverlap,
  AvBackbone,
  AvModel,
  evaluateAvModel,
  FULL_RATE,
  loadMomeModel,
  makeAvDigits,
  MomeAdapter,
  momeOverlap,
  MOME_RATES,
  rateKey,
  saveMomeModel,
  trainAvModel,
  type LayerRoutes,
} from '../src';

beforeAll(async () => {
  await initBackend();
});

describe('MoME adapters', () => {
  it('start as the identity on the frozen backbone; one router serves every rate', () => {
    setSeed(0);
    const pre = new AvModel();
    const audio = tf.randomNormal([3, 24, 64], 0, 1, 'float32', 1) as tf.Tensor3D;
    const video = tf.randomUniform([3, 16, 49], 0, 1, 'float32', 2) as tf.Tensor3D;
    for (const adapter of [{ kind: 'mome' as const }, { kind: 'dense' as const }]) {
      const m = new AvModel({ adapter });
      m.backbone.loadStateDict(pre.backbone.stateDict());
      for (const rate of [FULL_RATE, { audio: 8, video: 2 }]) {
        const a = pre.forward(audio, video, rate).logits.dataSync();
        const b = m.forward(audio, video, rate).logits.dataSync();
        Array.from(a).forEach((v, i) => expect(b[i]).toBeCloseTo(v, 5));
      }
      m.dispose();
    }
    const shared = new AvModel({ adapter: { kind: 'mome' } });
    const perRate = new AvModel({ adapter: { kind: 'mome', routers: 'per-rate' } });
    const a0 = shared.adapters[0] as MomeAdapter;
    const p0 = perRate.adapters[0] as MomeAdapter;
    expect(a0.routers).toHaveLength(1);
    expect(a0.routerFor('a8v2')).toBe(a0.routerFor('a2v1'));
    expect(p0.routers).toHaveLength(6);
    expect(p0.routerFor('a8v2')).not.toBe(p0.routerFor('a2v1'));
    expect(() => p0.routerFor('a3v1')).toThrow(/no router for rate a3v1/);
    const { aux } = shared.forward(audio, video, { audio: 4, video: 2 });
    expect(aux).toHaveLength(2);
    expect(aux[0].indices.shape).toEqual([3 * (6 + 8), 2]);
    // A token uses the router, 2 of the 8 routed experts and the shared expert of each adapter.
    const costs = moduleCosts(shared);
    const backbone = shared.backbone.countParams();
    expect(costs.total).toBe(backbone + shared.adapterParams());
    const perAdapter =
      a0.routers[0].countParams() + 2 * a0.experts.paramsPerExpert() + (a0.shared?.countParams() ?? 0);
    expect(costs.active).toBe(backbone + 2 * perAdapter);
    expect(costs.active - backbone).toBeLessThan(shared.adapterParams() / 2);
    // The per-rate routers a token does not use are inactive too.
    expect(moduleCosts(perRate).total - moduleCosts(perRate).active).toBe(
      costs.total - costs.active + 2 * 5 * a0.routers[0].countParams(),
    );
    expect(() => new AvModel({ adapter: { kind: 'mome', topK: 9 } })).toThrow(
      /AvModel config: adapter.topK: topK \(9\) exceeds numExperts \(8\)/,
    );
    [pre, shared, perRate].forEach((m) => m.dispose());
    tf.dispose([audio, video]);
  });

  it('refuses a bad backbone config with a ConfigError naming the field', () => {
    expect(() => new AvBackbone({ dim: -1 })).toThrow(ConfigError);
    expect(() => new AvBackbone({ dim: -1 })).toThrow(/invalid av backbone config: dim: /);
  });

  it('measures expert overlap of aligned tokens against another sample', () => {
    const routes = (indices: number[]): LayerRoutes => ({
      n: 2,
      tokens: indices.length / 4,
      k: 2,
      indices: Int32Array.from(indices),
    });
    // 2 samples; fine: 2 tokens, coarse: 1 token (k = 2).
    const fine = routes([0, 1, 1, 0, 2, 3, 3, 2]);
    const coarse: LayerRoutes = { n: 2, tokens: 1, k: 2, indices: Int32Array.from([1, 0, 3, 2]) };
    const seg = { fineStart: 0, fineLen: 2, coarseStart: 0, coarseLen: 1 };
    const o = alignedExpertOverlap(fine, coarse, seg);
    expect(o.aligned).toBe(1);
    expect(o.shuffled).toBe(0);
    expect(o.pairs).toBe(4);
    const half = alignedExpertOverlap(fine, { ...coarse, indices: Int32Array.from([0, 2, 2, 0]) }, seg);
    expect(half.aligned).toBeCloseTo(1 / 3, 6);
    expect(() => alignedExpertOverlap(fine, { ...coarse, k: 1 }, seg)).toThrow(/differ/);
  });

  // The recipe of the README's MoME example end to end on smaller data (two rate pairs).
  it('pre-trains the backbone, then trains only the adapters: above chance at high compression, leak-free, deterministic', async () => {
    const dir = ensureSpokenDigits({ seed: 0 });
    const av = makeAvDigits(dir, { seed: 0, snrs: [Infinity, 10], maxTrain: 120, maxTest: 60 });
    setSeed(0);
    const pre = new AvModel();
    const preRun = await trainAvModel(pre, av.train, { rates: [FULL_RATE], epochs: 6, seed: 0 });
    expect(preRun.losses.at(-1)).toBeLessThan(preRun.losses[0] * 0.7);
    const base = await evaluateAvModel(pre, av.test, [FULL_RATE]);
    expect(base.a1v1.accuracy).toBeGreaterThan(0.3); // chance 0.1

    const make = () => {
      setSeed(1);
      const m = new AvModel({ adapter: { kind: 'mome' } });
      m.backbone.loadStateDict(pre.backbone.stateDict());
      return m.freezeBackbone();
    };
    const m = make();
    expect(m.countParams(true)).toBe(m.adapterParams());
    const frozen = m.backbone.audioProj.weight.dataSync().slice();
    const rates = [
      { audio: 8, video: 2 },
      { audio: 2, video: 1 },
    ];
    const run = await trainAvModel(m, av.train, { rates, epochs: 4, seed: 0 });
    expect(m.backbone.audioProj.weight.dataSync()).toEqual(frozen);
    const expert = m.adapters[0] as MomeAdapter;
    expect(tf.max(tf.abs(expert.experts.w2)).dataSync()[0]).toBeGreaterThan(0);
    const n0 = tf.memory().numTensors;
    const ev = await evaluateAvModel(m, av.test, MOME_RATES);
    expect(tf.memory().numTensors).toBe(n0);
    expect(ev.a8v2.accuracy).toBeGreaterThan(0.3);
    expect(ev.a8v2.routes).toHaveLength(2);
    expect(ev.a8v2.routes[0].indices.length).toBe(av.test.n * (3 + 8) * 2);
    const overlap = momeOverlap(ev, m.backbone.config);
    expect(overlap.audio.pairs).toBe(2 * av.test.n * (12 + 6 + 12)); // layers × n × fine tokens of a2↔a4, a4↔a8, a2↔a8
    expect(overlap.audio.aligned).toBeGreaterThan(overlap.audio.shuffled);
    expect(overlap.video.aligned).toBeGreaterThan(overlap.video.shuffled);

    // Saved and loaded (backbone and adapters), the model scores exactly the same.
    const saved = fs.mkdtempSync(path.join(os.tmpdir(), 'mome-'));
    await saveMomeModel(saved, m);
    const loaded = await loadMomeModel(saved);
    expect(loaded.config).toEqual(m.config);
    expect((await evaluateAvModel(loaded.model, av.test, MOME_RATES)).a8v2.accuracy).toBe(ev.a8v2.accuracy);
    loaded.model.dispose();
    fs.rmSync(saved, { recursive: true, force: true });

    const again = make();
    const run2 = await trainAvModel(again, av.train, { rates, epochs: 1, seed: 0 });
    run2.losses.slice(0, 2).forEach((v, i) => expect(v).toBe(run.losses[i]));
    expect(rateKey(rates[0])).toBe('a8v2');
    [pre, m, again].forEach((x) => x.dispose());
  });
});
