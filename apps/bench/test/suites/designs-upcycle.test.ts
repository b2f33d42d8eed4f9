/**
 * The designs suite's routed-attention and upcycling models: sizes as the notes state them, and
 * sparse upcycling / BAM starting from the dense model's function.
 */
import {
  imagePatches,
  initBackend,
  JetMoeAttention,
  MoELayer,
  MultiHeadAttention,
  setSeed,
  tf,
  TokenClassifier,
} from '@moe-zoo/core';
import { jetMoeArm, mohArms, MOH_ACTIVE_HEADS } from '../../src/suites/designs/attention-arms';
import { DENSE_SEED } from '../../src/suites/designs/bam';
import { MODEL, PATCH } from '../../src/suites/designs/plan';
import { upcycledPair } from '../../src/suites/designs/upcycle-run';

beforeAll(async () => {
  await initBackend();
});

const images = (): tf.Tensor => tf.randomUniform([3, 28, 28], 0, 1, 'float32', 5);

/** Sets every parameter to random values of scale 0.3, so a copy is not mistaken for an initialisation. */
function randomise(model: TokenClassifier, seed: number): void {
  model
    .namedParameters()
    .forEach(([, v], i) => tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.3, 'float32', seed + i))));
}

describe('designs routed-attention and upcycling models', () => {
  it('sizes: JetMoE within 1% of the dense seed model in active parameters, MoH with 75% of its heads', () => {
    const dense = new TokenClassifier(DENSE_SEED);
    const arm = jetMoeArm();
    const jet = new TokenClassifier({ ...MODEL, ffn: arm.ffn, attention: arm.attention });
    expect([jet.activeParams(), dense.activeParams()]).toEqual([19674, 19594]);
    expect(jet.flopsPerSample()).toBe(dense.flopsPerSample());
    expect(jet.countParams()).toBeGreaterThan(3 * dense.countParams());
    const [mha, moh] = mohArms().map(
      (a) =>
        new TokenClassifier({
          ...MODEL,
          ...a.model,
          ffn: a.ffn,
          ...(a.attention ? { attention: a.attention } : {}),
        }),
    );
    expect(MOH_ACTIVE_HEADS).toBe(0.75);
    expect(moh.activeParams()).toBeLessThan(mha.activeParams());
    for (const m of [dense, jet, mha, moh]) m.dispose();
  });

  it('sparse upcycling and BAM compute the trained dense model before tuning; BAM differs only in attention', () => {
    setSeed(1);
    const dense = new TokenClassifier(DENSE_SEED);
    randomise(dense, 100);
    const [ffnOnly, bam] = upcycledPair(dense, 0);
    const x = images();
    const before = tf.memory().numTensors;
    const [d, f, b] = tf.tidy(() =>
      [dense, ffnOnly, bam].map((m) => Array.from(m.forward(imagePatches(x, PATCH)).logits.dataSync())),
    );
    expect(tf.memory().numTensors).toBe(before);
    const worst = (a: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - d[i])));
    expect(Math.max(...d.map(Math.abs))).toBeGreaterThan(0.1);
    expect(worst(f)).toBeLessThan(1e-4);
    expect(worst(b)).toBeLessThan(1e-4);
    // The attention experts are copies of the dense query / output projections; keys shared.
    const attn = bam.blocks[1].attn as JetMoeAttention;
    const src = dense.blocks[1].attn as MultiHeadAttention;
    expect(src).toBeInstanceOf(MultiHeadAttention);
    const q = attn.qWeight.arraySync() as number[][][];
    expect(q[3]).toEqual(q[0]);
    expect(q[2]).toEqual(src.q.weight.arraySync());
    expect(attn.k.weight.dataSync()).toEqual(src.k.weight.dataSync());
    // Same FFN experts and routers as the FFN-only model.
    const ffnState = ffnOnly.stateDict();
    for (const [name, t] of Object.entries(bam.stateDict())) {
      if (name.includes('.ffn.')) expect(t.dataSync()).toEqual(ffnState[name].dataSync());
    }
    expect(bam.moeLayers()[0]).toBeInstanceOf(MoELayer);
    tf.dispose(x);
    for (const m of [dense, ffnOnly, bam]) m.dispose();
  });
});
