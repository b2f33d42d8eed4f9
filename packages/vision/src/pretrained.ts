/** The trained models @moe-zoo/vision ships (`models/<name>/`: checkpoint + card). */
import * as path from 'path';
import { pretrainedLoader } from '@moe-zoo/core';
import { MOVA_FORMAT } from './model/mova-files';
import { VIT_FORMAT } from './model/vmoe';

/**
 * Loads a shipped vision model by name (`vmoe-fashion`: a V-MoE Fashion-MNIST classifier;
 * `vmoe-fashion-pruned`: the same with 6 of its 8 experts, pruned after training;
 * `mova-vqa`: a MoVA visual-question system) or a folder saved with `saveViTModel` /
 * `saveMoVAModel`; returns the model, its config, its model card and its folder.
 *
 * @example
 * ```ts
 * const { model, card } = await loadPretrained('vmoe-fashion');
 * const { name } = await classifyImage(model, 'sneaker.png');
 * const { model: mova } = await loadPretrained('mova-vqa');
 * const { answer, experts } = await answerVisualQuestion(mova, 'digit.png', 'what digit is shown');
 * ```
 */
export const loadPretrained = pretrainedLoader('@moe-zoo/vision', path.join(__dirname, '..', 'models'), {
  'vmoe-fashion': VIT_FORMAT,
  'vmoe-fashion-pruned': VIT_FORMAT,
  'mova-vqa': MOVA_FORMAT,
});
