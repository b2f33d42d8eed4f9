/** The trained models @moe-zoo/multimodal ships (`models/<name>/`: checkpoint + card). */
import * as path from 'path';
import { pretrainedLoader } from '@moe-zoo/core';
import { DIGIT_LM_FORMAT, DIGIT_VQA_FORMAT, MOME_FORMAT } from './model-files';

/**
 * Loads a shipped multimodal model by name (`moiie-digit-vqa`: MoIIE digit VQA, answers questions
 * about a 28 × 28 digit image) or a folder saved with `saveDigitVqaModel`; returns the model, its
 * config, its model card and its folder.
 * `mome-av-digits` (MoME audio-visual digits: a spoken digit and its image) loads an `AvModel` for
 * `classifyAvDigit`. `moma-digit-lm` (MoMa: modality-aware experts in an LM over digit words and
 * image tokens) loads a `DigitLmModel` for `nameDigit` and `drawDigits`.
 *
 * @example
 * ```ts
 * const { model, card } = await loadPretrained('moiie-digit-vqa');
 * const { answer } = await answerQuestion(model, 'seven.png', 'what is the digit ?');
 * ```
 */
export const loadPretrained = pretrainedLoader('@moe-zoo/multimodal', path.join(__dirname, '..', 'models'), {
  'moiie-digit-vqa': DIGIT_VQA_FORMAT,
  'mome-av-digits': MOME_FORMAT,
  'moma-digit-lm': DIGIT_LM_FORMAT,
  'mote-digit-vqa': DIGIT_VQA_FORMAT,
});
