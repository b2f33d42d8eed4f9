/**
 * Where each multimodal model's weights show its config's size fields (the `sizeChecks` of its
 * `ModelFormat`): core's `loadModel` compares them with the tensor file's header before building,
 * so an edited manifest is refused naming the field instead of allocating what it asks for.
 */
import type { SizeCheck } from '@moe-zoo/core';
import type { DigitLmConfig } from './moma/digit-lm';
import type { InterleavedLmConfig } from './moma/lm';
import type { AvModelConfig } from './mome/model';
import type { DigitVqaConfig } from './vqa/digit-vqa';
import { vqaFfnSlots, type VqaModelConfig } from './vqa/model';

/** A VQA transformer's checks; `tensors` and `fields` prefix the tensor names and config paths. */
export function vqaSizeChecks(c: VqaModelConfig, tensors = '', fields = ''): SizeCheck[] {
  const t = (name: string): string => `${tensors}${name}`;
  const f = (name: string): string => `${fields}${name}`;
  const checks: SizeCheck[] = [
    { field: f('depth'), value: c.depth, blocks: t('blocks') },
    { field: f('dim'), value: c.dim, tensor: t('embed.weight'), axis: 1 },
    { field: f('vocabSize'), value: c.vocabSize, tensor: t('embed.weight'), axis: 0 },
    { field: f('numAnswers'), value: c.numAnswers, tensor: t('head.weight'), axis: 1 },
    { field: f('patchDim'), value: c.patchDim, tensor: t('connector.fc1.weight'), axis: 0 },
    { field: f('imageTokens'), value: c.imageTokens, tensor: t('connector.pos.weight'), axis: 0 },
    { field: f('captionLen'), value: c.captionLen, tensor: t('captionPos.weight'), axis: 0 },
    { field: f('questionLen'), value: c.questionLen, tensor: t('textPos.weight'), axis: 0 },
  ];
  vqaFfnSlots(c).forEach((slot, i) => {
    const ffn = t(`blocks.${i}.ffn`);
    if (slot.kind === 'dense') {
      const field = c.ffn ? f(`ffn.${i}.hidden`) : f('hidden');
      checks.push({ field, value: slot.hidden, tensor: `${ffn}.fc1.weight`, axis: 1 });
      return;
    }
    const o = slot.kind === 'moe' ? slot.moe : slot.kind === 'group' ? slot.group : slot.mote;
    const at = f(`ffn.${i}.${slot.kind}`);
    checks.push(
      { field: `${at}.numExperts`, value: o.numExperts, tensor: `${ffn}.experts.w1`, axis: 0 },
      { field: `${at}.hidden`, value: o.hidden, tensor: `${ffn}.experts.w1`, axis: 2 },
    );
  });
  return checks;
}

/** A digit-VQA model's checks: the encoder's channels, then the transformer's under `vqa.`. */
export function digitVqaSizeChecks(c: DigitVqaConfig): SizeCheck[] {
  return [
    { field: 'encoder.channels1', value: c.encoder.channels1, tensor: 'encoder.c1.weight', axis: 3 },
    { field: 'encoder.channels', value: c.encoder.channels, tensor: 'encoder.c3.weight', axis: 3 },
    ...vqaSizeChecks(c.vqa, 'vqa.', 'vqa.'),
  ];
}

/** A MoME audio-visual model's checks: the backbone's sizes and the adapters' experts. */
export function avSizeChecks(c: AvModelConfig): SizeCheck[] {
  const b = c.backbone;
  const checks: SizeCheck[] = [
    { field: 'backbone.depth', value: b.depth, blocks: 'backbone.blocks' },
    { field: 'backbone.dim', value: b.dim, tensor: 'backbone.audioProj.weight', axis: 1 },
    { field: 'backbone.audioDims', value: b.audioDims, tensor: 'backbone.audioProj.weight', axis: 0 },
    { field: 'backbone.videoDims', value: b.videoDims, tensor: 'backbone.videoProj.weight', axis: 0 },
    { field: 'backbone.audioTokens', value: b.audioTokens, tensor: 'backbone.audioPos.weight', axis: 0 },
    { field: 'backbone.videoTokens', value: b.videoTokens, tensor: 'backbone.videoPos.weight', axis: 0 },
    { field: 'backbone.numClasses', value: b.numClasses, tensor: 'backbone.head.weight', axis: 1 },
    { field: 'backbone.ffnHidden', value: b.ffnHidden, tensor: 'backbone.blocks.0.ffn.fc1.weight', axis: 1 },
  ];
  if (c.adapter.kind === 'mome') {
    checks.push(
      { field: 'adapter.numExperts', value: c.adapter.numExperts, tensor: 'adapters.0.experts.w1', axis: 0 },
      { field: 'adapter.hidden', value: c.adapter.hidden, tensor: 'adapters.0.experts.w1', axis: 2 },
    );
  }
  return checks;
}

/** A MoMa LM's checks; `tensors` and `fields` prefix the tensor names and config paths. */
export function lmSizeChecks(c: InterleavedLmConfig, tensors = '', fields = ''): SizeCheck[] {
  const t = (name: string): string => `${tensors}${name}`;
  const f = (name: string): string => `${fields}${name}`;
  const checks: SizeCheck[] = [
    { field: f('depth'), value: c.depth, blocks: t('blocks') },
    { field: f('dim'), value: c.dim, tensor: t('embed.weight'), axis: 1 },
    { field: f('vocabSize'), value: c.vocabSize, tensor: t('embed.weight'), axis: 0 },
    { field: f('seqLen'), value: c.seqLen, tensor: t('pos.weight'), axis: 0 },
  ];
  if (c.ffn.kind === 'ec') {
    checks.push({ field: f('ffn.groups'), value: c.ffn.groups.length, blocks: t('blocks.0.ffn.experts') });
    c.ffn.groups.forEach((g, i) => {
      const w1 = t(`blocks.0.ffn.experts.${i}.w1`);
      checks.push(
        { field: f(`ffn.groups.${i}.experts`), value: g.experts, tensor: w1, axis: 0 },
        { field: f('hidden'), value: c.hidden, tensor: w1, axis: 2 },
      );
    });
  }
  return checks;
}

/** A digit LM's checks: the codebook's codes and patch, then the LM's under `lm.`. */
export function digitLmSizeChecks(c: DigitLmConfig): SizeCheck[] {
  return [
    { field: 'codebook.k', value: c.codebook.k, tensor: 'centroids', axis: 0 },
    { field: 'codebook.patch', value: c.codebook.patch ** 2, tensor: 'centroids', axis: 1 },
    ...lmSizeChecks(c.lm, 'lm.', 'lm.'),
  ];
}
