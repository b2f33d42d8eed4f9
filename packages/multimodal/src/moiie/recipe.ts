import { trainVqa, type TrainVqaOptions, type TrainVqaResult } from '../vqa/train';
import type { VqaSet } from '../vqa/data';
import type { VqaTransformer } from '../vqa/model';

/**
 * Stage 0 of the miniature recipe: pre-train the "language model" on text only — caption words
 * instead of the image, then the question (the stand-in for a pre-trained LLM). The connector is
 * unused. Trains all parameters.
 */
export async function pretrainLanguageModel(
  model: VqaTransformer,
  textSet: VqaSet,
  o: Omit<TrainVqaOptions, 'mode'>,
): Promise<TrainVqaResult> {
  model.trainOnly('all');
  return trainVqa(model, textSet, { ...o, mode: 'caption' });
}

/**
 * Stage 1 (MoIIE "pretrain"): train only the connector on captioning questions ("what is the
 * digit ?", "more ink : top or bottom ?") with the language model (and the vision tower) frozen.
 * Leaves the model with everything trainable again.
 */
export async function alignConnector(
  model: VqaTransformer,
  captionSet: VqaSet,
  o: Omit<TrainVqaOptions, 'mode'>,
): Promise<TrainVqaResult> {
  model.trainOnly('connector');
  try {
    return await trainVqa(model, captionSet, { ...o, mode: 'image' });
  } finally {
    model.trainOnly('all');
  }
}

/**
 * Stage 2 (MoIIE "visual instruction tuning & sparse training"): train everything — connector,
 * language model and the upcycled MoE layers — on the cross-modal VQA questions.
 */
export async function instructionTune(
  model: VqaTransformer,
  set: VqaSet,
  o: Omit<TrainVqaOptions, 'mode'>,
): Promise<TrainVqaResult> {
  model.trainOnly('all');
  return trainVqa(model, set, { ...o, mode: 'image' });
}
