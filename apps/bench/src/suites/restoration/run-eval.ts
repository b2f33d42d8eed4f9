import { evaluateInBatches, tf } from '@moe-zoo/core';
import { patchBatch, psnr, type PatchSet, type RestorationNet } from '@moe-zoo/restoration';

/**
 * PSNR (dB) of every patch of `set`, in set order, of the net's output clipped to [0, 1] (eval
 * mode): the per-item values behind `evaluateRestoration`'s mean PSNR, for paired item tests.
 * A second forward pass, because `evaluateRestoration` returns only means.
 */
export function patchPsnr(net: RestorationNet, set: PatchSet, batchSize = 100): number[] {
  return evaluateInBatches(net, set.n, batchSize, ({ indices }) => {
    const { x, y } = patchBatch(set, indices);
    return psnr(tf.clipByValue(net.forward(x).y, 0, 1), y);
  }).flat();
}
