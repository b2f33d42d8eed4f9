import { GeluFFN, MoELayer, pruneExperts, setSeed, tf, TransformerBlock } from '../src';

describe('TransformerBlock.replaceFfn', () => {
  it('swaps the FFN slot under the same child name and hands back the old one', () => {
    setSeed(11);
    const moe = new MoELayer({ dim: 8, hidden: 8, numExperts: 4, topK: 2 });
    const block = new TransformerBlock({ dim: 8, heads: 2, ffn: moe });
    block.eval();
    const x = tf.randomNormal([2, 5, 8], 0, 1, 'float32', 3);
    const before = block.forward(x);
    const keys = Object.keys(block.stateDict()).sort();

    // Keeping every expert copies the layer exactly: the block computes the same thing.
    const { layer: copy } = pruneExperts(moe, [0, 1, 2, 3]);
    copy.eval();
    expect(block.replaceFfn(copy)).toBe(moe);
    expect(block.ffn).toBe(copy);
    expect(Object.keys(block.stateDict()).sort()).toEqual(keys);
    const after = block.forward(x);
    expect(Array.from(after.y.dataSync())).toEqual(Array.from(before.y.dataSync()));

    // A different slot changes the output and its parameters are the block's.
    const dense = new GeluFFN(8, 16);
    expect(block.replaceFfn(dense)).toBe(copy);
    expect(block.parameters()).toEqual(expect.arrayContaining(dense.parameters()));
    expect(block.parameters()).not.toEqual(expect.arrayContaining(copy.parameters()));
    const denseOut = block.forward(x);
    expect(denseOut.aux).toEqual([]);
    expect(Array.from(denseOut.y.dataSync())).not.toEqual(Array.from(before.y.dataSync()));
    expect(block.replaceFfn(dense)).toBe(dense);

    tf.dispose([x, before.y, after.y, denseOut.y]);
    for (const a of [...before.aux, ...after.aux])
      tf.dispose(Object.values(a).filter((v) => v instanceof tf.Tensor));
    moe.dispose();
    copy.dispose();
    block.dispose();
  });
});
