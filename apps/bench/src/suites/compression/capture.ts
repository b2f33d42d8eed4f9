/**
 * The tokens each MoE layer of a token classifier sees: the blocks' FFN slots are wrapped for one
 * forward pass so that their inputs (the normalised tokens) are kept, then put back.
 */
import {
  Module,
  MoELayer,
  tf,
  type FfnOutput,
  type FfnSlot,
  type SlotContext,
  type TokenClassifier,
} from '@moe-zoo/core';

/** An FFN slot that keeps a copy of every input and hands the call to the slot it wraps. */
class InputRecorder extends Module implements FfnSlot {
  readonly inputs: tf.Tensor2D[] = [];

  constructor(private readonly inner: FfnSlot) {
    super();
  }

  forward(x: tf.Tensor, ctx?: SlotContext): FfnOutput {
    this.inputs.push(tf.keep(tf.clone(x)) as tf.Tensor2D);
    return this.inner.forward(x, ctx);
  }
}

/**
 * Runs `inputs` [B, L, inputDim] through `model` in eval mode and returns, per MoE block (in block
 * order), that block's MoE layer and its input tokens [B·L, dim].
 */
export function captureMoeInputs(
  model: TokenClassifier,
  inputs: tf.Tensor3D,
): { blockIndex: number; layer: MoELayer; tokens: tf.Tensor2D }[] {
  const wasTraining = model.training;
  model.eval(); // before the wrapping: the wrapped layers are not the recorders' children
  const moe = model.blocks.flatMap((b, blockIndex) =>
    b.ffn instanceof MoELayer ? [{ blockIndex, layer: b.ffn }] : [],
  );
  const recorders = moe.map(({ blockIndex, layer }) => {
    const recorder = new InputRecorder(layer);
    model.blocks[blockIndex].replaceFfn(recorder);
    return recorder;
  });
  try {
    tf.tidy(() => {
      model.forward(inputs);
    });
  } finally {
    moe.forEach(({ blockIndex, layer }) => model.blocks[blockIndex].replaceFfn(layer));
    if (wasTraining) model.train();
  }
  return moe.map((m, i) => {
    const parts = recorders[i].inputs;
    const tokens = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
    if (parts.length > 1) tf.dispose(parts);
    return { ...m, tokens };
  });
}
