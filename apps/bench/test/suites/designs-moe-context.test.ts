/**
 * The options the designs suite gives a token classifier's MoE layers: patch positions as token
 * ids for the hash arm (a balanced hash), and SCMoE's rank-r routing for one call, then undone.
 */
import { HashRouter, imagePatches, initBackend, setSeed, tf, TokenClassifier } from '@moe-zoo/core';
import { BALANCED_POSITION_HASH_SEED, HASH_POSITION } from '../../src/suites/designs/balancing-arms';
import { positionIds, routeByPosition, withRankOverride } from '../../src/suites/designs/moe-context';
import { MODEL, MOE, PATCH, TOKENS } from '../../src/suites/designs/plan';
import { ARITHMETIC_MODEL, SCMOE } from '../../src/suites/designs/scmoe-plan';

beforeAll(async () => {
  await initBackend();
});

const images = (n: number): tf.Tensor => tf.randomUniform([n, 28, 28], 0, 1, 'float32', 3);

describe('designs MoE layer options', () => {
  it('the hash seed puts 2 of the 16 patch positions on each of the 8 experts', () => {
    const router = new HashRouter({ numExperts: MOE.numExperts, seed: BALANCED_POSITION_HASH_SEED });
    const { assignment } = router.route(tf.zeros([TOKENS, MODEL.dim]), {
      tokenIds: positionIds(TOKENS, TOKENS),
    });
    if (assignment.kind !== 'token') throw new Error('hash routing is token choice');
    const experts = Array.from(assignment.indices.dataSync());
    expect(Array.from({ length: MOE.numExperts }, (_, e) => experts.filter((x) => x === e).length)).toEqual(
      Array(MOE.numExperts).fill(2),
    );
  });

  it('routeByPosition: every image sends the patch at a position to the same expert, balanced', () => {
    setSeed(0);
    const model = new TokenClassifier({ ...MODEL, ffn: HASH_POSITION.ffn });
    routeByPosition(model);
    const { aux } = model.forward(imagePatches(images(3), PATCH));
    for (const a of aux) {
      const rows = tf.reshape(a.indices, [3, TOKENS]).arraySync() as number[][];
      expect(rows[1]).toEqual(rows[0]);
      expect(rows[2]).toEqual(rows[0]);
      expect(Array.from(a.counts.dataSync())).toEqual(Array(MOE.numExperts).fill(6));
    }
    model.dispose();
  });

  it('withRankOverride routes each token to its rank-r expert for one call only', () => {
    setSeed(1);
    const model = new TokenClassifier(ARITHMETIC_MODEL);
    const layers = model.moeLayers();
    const originals = layers.map((l) => l.forward);
    const x = tf.randomUniform([4, ARITHMETIC_MODEL.tokens, ARITHMETIC_MODEL.inputDim], 0, 1, 'float32', 2);
    // Layer 1's input depends on layer 0's routing, so compare the first MoE layer.
    const strong = model.forward(x).aux[0];
    const weak = withRankOverride(model, SCMOE.weakRank, () => model.forward(x).aux[0]);
    const second = tf.slice(tf.topk(strong.probs, 2).indices, [0, 1], [-1, 1]);
    expect(weak.indices.shape[1]).toBe(1);
    expect(Array.from(weak.indices.dataSync())).toEqual(Array.from(second.dataSync()));
    expect(layers.map((l) => l.forward)).toEqual(originals);
    expect(model.forward(x).aux[0].indices.shape[1]).toBe(2);
    model.dispose();
  });
});
