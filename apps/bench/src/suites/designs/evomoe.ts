/** EvoMoE's start: train one shared expert, then diversify it into every expert of the MoE model. */
import {
  diversifyExperts,
  GeluFFN,
  MoELayer,
  tf,
  type DenseFfnWeights,
  type ExpertBank,
  type Module,
  type TokenClassifier,
} from '@moe-zoo/core';

/** Copies into `to` every parameter and buffer of `from` with the same name and shape. */
export function copyMatching(from: Module, to: Module): void {
  const source = from.stateDict();
  const state = Object.fromEntries(
    Object.entries(to.stateDict())
      .filter(([name, v]) => source[name] && tf.util.arraysEqual(source[name].shape, v.shape))
      .map(([name]) => [name, source[name]]),
  );
  to.loadStateDict(state, { strict: false });
}

/** The (MoE layer, dense FFN) pairs of the same blocks of an MoE model and its dense twin. */
function slotPairs(moe: TokenClassifier, dense: TokenClassifier): [MoELayer, GeluFFN][] {
  return moe.blocks.flatMap((block, l): [MoELayer, GeluFFN][] => {
    const ffn = dense.blocks[l].ffn;
    if (!(block.ffn instanceof MoELayer)) return [];
    if (!(ffn instanceof GeluFFN)) throw new Error(`block ${l}: the shared-expert model has no dense FFN`);
    return [[block.ffn, ffn]];
  });
}

/** Expert `index` of an FFN bank, copied into a dense FFN (`w1` [D, H] = fc1, `w2` [H, D] = fc2). */
function expertToDense(bank: ExpertBank, index: number, ffn: GeluFFN): void {
  const params = Object.fromEntries(bank.namedParameters());
  const pairs: [string, tf.Variable | undefined][] = [
    ['w1', ffn.fc1.weight],
    ['b1', ffn.fc1.bias],
    ['w2', ffn.fc2.weight],
    ['b2', ffn.fc2.bias],
  ];
  for (const [name, target] of pairs) {
    const source = params[name];
    if (!source || !target) throw new Error(`cannot copy expert parameter "${name}"`);
    tf.tidy(() => target.assign(tf.squeeze(tf.slice(source, index, 1), [0])));
  }
}

/**
 * The one-shared-expert model EvoMoE trains first (the same blocks with a dense FFN of one
 * expert's width), starting from `target`'s initial weights: every tensor of the same name and
 * shape copied, and each dense FFN set to the MoE layer's expert 0.
 */
export function sharedExpertModel(target: TokenClassifier, build: () => TokenClassifier): TokenClassifier {
  const shared = build();
  copyMatching(target, shared);
  for (const [moe, ffn] of slotPairs(target, shared)) expertToDense(moe.experts, 0, ffn);
  return shared;
}

/**
 * Diversification: `target` takes every tensor of the trained shared-expert model with the same
 * name and shape, and each MoE layer's experts become masked copies of the trained shared FFN.
 */
export function diversifyInto(shared: TokenClassifier, target: TokenClassifier, maskRatio: number): void {
  copyMatching(shared, target);
  for (const [moe, ffn] of slotPairs(target, shared)) {
    const { fc1, fc2 } = ffn;
    if (!fc1.bias || !fc2.bias) throw new Error('the shared FFN needs biases');
    const weights: DenseFfnWeights = { w1: fc1.weight, b1: fc1.bias, w2: fc2.weight, b2: fc2.bias };
    diversifyExperts(moe.experts, weights, maskRatio);
  }
}
