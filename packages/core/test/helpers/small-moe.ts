/** The small trained-looking MoE layer the compression tests start from. */
import { FfnExperts, MoELayer, setSeed, tf, type MoELayerConfigInput } from '../../src';

/**
 * An eval-mode MoE layer (top-2 softmax router and sorted dispatch unless `config` says
 * otherwise) whose FFN experts have non-zero random biases, so that dropping, compressing or
 * quantizing an expert shows in the outputs.
 */
export function smallMoeLayer(
  config: Omit<MoELayerConfigInput, 'topK'> & { topK?: number },
  seed: number,
): MoELayer {
  setSeed(seed);
  const layer = new MoELayer({
    router: { type: 'softmax' },
    dispatch: 'sorted',
    ...config,
    topK: config.topK ?? 2,
  } as MoELayerConfigInput);
  const bank = layer.experts;
  if (bank instanceof FfnExperts) {
    tf.tidy(() => {
      bank.b1.assign(tf.randomNormal(bank.b1.shape, 0, 0.3, 'float32', seed + 1));
      bank.b2.assign(tf.randomNormal(bank.b2.shape, 0, 0.3, 'float32', seed + 2));
    });
  }
  return layer.eval();
}
