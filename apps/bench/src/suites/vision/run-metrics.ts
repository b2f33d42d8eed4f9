/** Per-task metrics and per-question outcomes of one MoVA-side arm on one seed. */
import { CONTENT_TYPES, onTypeShares, QUESTIONS, routingAgreement, type VqaSet } from '@moe-zoo/vision';
import type { SeedRun } from '../../stats';
import type { ArmResult } from './run-arm';
import { EXPERTS } from './plan';

/** The overall task's name; the other tasks are the content types. */
export const ALL = 'all';

/** What one arm measured on one task (a content type or all of them) on one seed. */
export type TaskRun = Pick<SeedRun, 'metrics' | 'items'>;

/** The rows of the routing matrix [n x E] of the test questions `idx`, in that order. */
function pickRows(routing: Uint8Array, idx: readonly number[]): Uint8Array {
  const out = new Uint8Array(idx.length * EXPERTS);
  idx.forEach((i, k) => out.set(routing.subarray(i * EXPERTS, (i + 1) * EXPERTS), k * EXPERTS));
  return out;
}

/** Experts computed per test question: the routed ones (MoVA), else the fusion arm's fixed count. */
function expertsPerQuestion(r: ArmResult, n: number): number[] {
  const routed = r.eval.routed;
  if (!routed) return new Array<number>(n).fill(r.eval.expertsPerSample);
  return Array.from({ length: n }, (_, i) => {
    let k = 0;
    for (let j = 0; j < EXPERTS; j++) k += routed[i * EXPERTS + j];
    return k;
  });
}

/** Of the questions `idx`, the share whose mask [n x E] includes their own type's expert, and the mean off-type share. */
function onTypeOf(
  mask: Uint8Array,
  test: VqaSet,
  idx: readonly number[],
): { onType: number; offType: number } {
  const shares = onTypeShares(
    pickRows(mask, idx),
    idx.map((i) => test.type[i]),
    EXPERTS,
  ).filter((s) => s.n > 0);
  const n = shares.reduce((a, s) => a + s.n, 0);
  return {
    onType: shares.reduce((a, s) => a + s.onType * s.n, 0) / n,
    offType: shares.reduce((a, s) => a + s.offType * s.n, 0) / n,
  };
}

/**
 * Per task (each content type and {@link ALL}): accuracy, experts computed per sample, the share
 * of questions with no expert (routed arms), routing agreement with the test labels, label quality
 * (labelOnType / labelOffType: share of the questions whose own type's expert is labelled useful,
 * mean share for the other experts) and the router's recall of the own type's expert
 * (routerOnTypeRecall) for routed arms and, overall, cross-attention calls and accuracy per
 * question template. Items: 1/0 correctness of the task's test questions in test-set order (the
 * same questions for every arm of the seed) and, overall, the experts computed per question.
 */
export function metricsOf(r: ArmResult, test: VqaSet): Record<string, TaskRun> {
  const out: Record<string, TaskRun> = {};
  const correct = Array.from(r.eval.predictions, (p, i) => (p === test.answer[i] ? 1 : 0));
  const experts = expertsPerQuestion(r, test.n);
  for (const t of [...CONTENT_TYPES.map((_, k) => k), -1]) {
    const idx = Array.from({ length: test.n }, (_, i) => i).filter((i) => t === -1 || test.type[i] === t);
    const m: Record<string, number> = { accuracy: t === -1 ? r.eval.accuracy : r.eval.perType[t] };
    m.expertsPerSample = r.eval.routed
      ? idx.reduce((a, i) => a + experts[i], 0) / idx.length
      : r.eval.expertsPerSample;
    if (t === -1) m.crossAttnPerSample = r.eval.crossPerSample;
    if (r.eval.routed) m.noExpertShare = idx.filter((i) => experts[i] === 0).length / idx.length;
    if (r.labels && r.eval.routed) {
      const ag = routingAgreement(pickRows(r.eval.routed, idx), pickRows(r.labels, idx), EXPERTS);
      m.routingPrecision = ag.precision;
      m.routingRecall = ag.recall;
      m.routingExactMatch = ag.exactMatch;
      let labelled = 0;
      for (const i of idx) for (let j = 0; j < EXPERTS; j++) labelled += r.labels[i * EXPERTS + j];
      m.labelExpertsPerSample = labelled / idx.length;
      const quality = onTypeOf(r.labels, test, idx);
      m.labelOnType = quality.onType;
      m.labelOffType = quality.offType;
      m.routerOnTypeRecall = onTypeOf(r.eval.routed, test, idx).onType;
    }
    if (t === -1)
      QUESTIONS.forEach((q, qi) => {
        if (Number.isFinite(r.eval.perQuestion[qi])) m[`acc_${q.id}`] = r.eval.perQuestion[qi];
      });
    const items: Record<string, number[]> = { accuracy: idx.map((i) => correct[i]) };
    if (t === -1) items.expertsPerSample = experts;
    out[t === -1 ? ALL : CONTENT_TYPES[t]] = { metrics: m, items };
  }
  return out;
}
