/** Sizes of the moma suite per mode: data, training of the LMs and of the auxiliary routers. */

/** MNIST images per class the training sequences draw from (train range) and the validation ones (test range). */
export const TRAIN_IMAGES_PER_CLASS = 300;
export const VAL_IMAGES_PER_CLASS = 60;
/**
 * k-means codes of the image tokenizer (fitted per seed on the training images). With 64 codes the
 * image loss sat near its floor in every arm (dense 1.570, mixed 1.571, MoMa 1.552 after 400 steps).
 */
export const CODEBOOK_SIZE = 256;
/** Batch size of LM training and of the latency forward. */
export const BATCH_SIZE = 32;
/** Learning rate of the auxiliary routers. */
export const AUX_LR = 1e-2;

export interface MomaPlan {
  /** Training and validation sequences (the validation ones are the per-sequence items). */
  trainSequences: number;
  valSequences: number;
  /** LM training epochs. */
  epochs: number;
  /** Auxiliary-router training: epochs, on the first `auxTrainSequences` training sequences. */
  auxEpochs: number;
  auxTrainSequences: number;
  /** SwiGLU widths of the wider dense models the MoE arms' FLOPs savings are read against. */
  denseWidths: number[];
}

/**
 * Quick: 1280 / 256 sequences, 2 epochs, aux routers 3 epochs on 640, no dense width sweep. Full:
 * 3200 / 512, 4 epochs, aux routers 4 epochs on 1600, dense models of width 128, 256 and 512 beside
 * the FLOP-matched width 64. Tiny (`--tiny`, a smoke run): 128 / 64 sequences, 1 epoch, aux routers
 * 1 epoch on 64.
 */
export function momaPlan(quick: boolean, tiny = false): MomaPlan {
  if (tiny)
    return {
      trainSequences: 128,
      valSequences: 64,
      epochs: 1,
      auxEpochs: 1,
      auxTrainSequences: 64,
      denseWidths: [],
    };
  return quick
    ? {
        trainSequences: 1280,
        valSequences: 256,
        epochs: 2,
        auxEpochs: 3,
        auxTrainSequences: 640,
        denseWidths: [],
      }
    : {
        trainSequences: 3200,
        valSequences: 512,
        epochs: 4,
        auxEpochs: 4,
        auxTrainSequences: 1600,
        denseWidths: [128, 256, 512],
      };
}
