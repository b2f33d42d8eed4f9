/** BAM's attention upcycling: the upcycled attention experts compute the trained dense attention. */
import { initBackend, JetMoeAttention, MultiHeadAttention, setSeed, tf, upcycleAttention } from '../src';

beforeAll(async () => {
  await initBackend();
});

/** A dense attention whose weights are far from any initialisation (so a copy cannot pass by chance). */
function trainedLike(dim: number, heads: number, bias = true): MultiHeadAttention {
  const attn = new MultiHeadAttention(dim, heads, { bias });
  attn
    .namedParameters()
    .forEach(([, v], i) => tf.tidy(() => v.assign(tf.randomNormal(v.shape, 0, 0.4, 'float32', 50 + i))));
  return attn;
}

describe('upcycleAttention (BAM)', () => {
  it('with soft routing the upcycled experts compute the dense attention, whatever the router', () => {
    setSeed(3);
    const dense = trainedLike(16, 4);
    const bam = new JetMoeAttention({ dim: 16, heads: 4, numExperts: 4, topK: 4, auxLoss: 0 });
    const x = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 9);
    const before = tf.tidy(() => tf.sub(bam.forward(x).y, dense.forward(x)).abs().max().dataSync()[0]);
    upcycleAttention(bam, dense);
    const [out, ref] = tf.tidy(() => {
      const { y, aux } = bam.forward(x);
      tf.dispose(Object.values(aux.losses));
      return [Array.from(y.dataSync()), Array.from(dense.forward(x).dataSync())];
    });
    expect(before).toBeGreaterThan(0.1);
    expect(Math.max(...ref.map(Math.abs))).toBeGreaterThan(0.1);
    expect(Math.max(...out.map((v, i) => Math.abs(v - ref[i])))).toBeLessThan(1e-5);
    // Every expert is the same copy; keys and values are the dense ones.
    const q = bam.qWeight.arraySync() as number[][][];
    expect(q[3]).toEqual(dense.q.weight.arraySync());
    expect(q[0]).toEqual(q[3]);
    expect(Array.from(bam.v.weight.dataSync())).toEqual(Array.from(dense.v.weight.dataSync()));
    tf.dispose([x]);
    bam.dispose();
    dense.dispose();
  });

  it('names the part that does not fit: another width, or biases on one side only', () => {
    const dense = trainedLike(16, 4);
    const wide = new JetMoeAttention({ dim: 16, heads: 4, headDim: 8, numExperts: 2, topK: 2 });
    expect(() => upcycleAttention(wide, dense)).toThrow(
      "the dense query weight [16,16] does not fit each expert's [16,32]",
    );
    const noBias = new JetMoeAttention({ dim: 16, heads: 4, numExperts: 2, topK: 2, bias: false });
    expect(() => upcycleAttention(noBias, dense)).toThrow(
      'the attention experts have no biases, the dense attention has',
    );
    for (const m of [dense, wide, noBias]) m.dispose();
  });
});
