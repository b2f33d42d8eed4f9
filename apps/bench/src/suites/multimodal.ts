import { mergeTiming } from '../perf/timing';
import type { Suite, SuiteResult } from '../types';
import { runAvlmPart } from './multimodal-avlm';
import { runVqaPart } from './multimodal-vqa';

/** Concatenates suite parts: rows, claims, notes, main metrics (first seen first), series, figures and timing. */
function mergeParts(parts: SuiteResult[]): SuiteResult {
  const out: SuiteResult = { rows: [], claims: [], notes: [] };
  for (const p of parts) {
    out.rows.push(...p.rows);
    out.claims.push(...p.claims);
    out.notes?.push(...(p.notes ?? []));
    for (const m of p.mainMetrics ?? []) if (!out.mainMetrics?.includes(m)) (out.mainMetrics ??= []).push(m);
    if (p.series?.expertLoad) ((out.series ??= {}).expertLoad ??= []).push(...p.series.expertLoad);
    if (p.series?.balance) ((out.series ??= {}).balance ??= []).push(...p.series.balance);
    if (p.figures) (out.figures ??= []).push(...p.figures);
  }
  const timing = mergeTiming(parts.map((p) => p.timing));
  if (timing) out.timing = timing;
  return out;
}

/**
 * The `multimodal` suite: MoIIE and MoTE on digit VQA (image patches + question tokens), MoME on
 * audio-visual digits at several token-compression rates, and MoMa on an interleaved text +
 * image-token language-modelling task.
 */
export const multimodalSuite: Suite = {
  name: 'multimodal',
  description:
    'MoIIE (intra/inter-modality experts) and MoTE (ternary upcycled experts) on digit VQA; MoME (Matryoshka audio-visual experts) on noisy audio-visual digits; MoMa (modality-aware expert groups) on interleaved text/image-token LM',
  async run(ctx) {
    return mergeParts([await runVqaPart(ctx), await runAvlmPart(ctx)]);
  },
};
