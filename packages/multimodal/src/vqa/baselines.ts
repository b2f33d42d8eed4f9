import type { VqaSet } from './data';

/**
 * Accuracy on `test` of a model blind to the image: for every question text, the most frequent
 * answer of that text in `train` (unseen texts count as wrong). The reference a VQA model must beat
 * to be using the image at all.
 *
 * @example
 * ```ts
 * questionOnlyAccuracy(train, test); // ≈ 0.5 for digit VQA's cross-modal families
 * ```
 */
export function questionOnlyAccuracy(train: VqaSet, test: VqaSet): number {
  const key = (s: VqaSet, i: number) =>
    s.question.subarray(i * s.questionLen, (i + 1) * s.questionLen).join(',');
  const votes = new Map<string, Map<number, number>>();
  for (let i = 0; i < train.n; i++) {
    const k = key(train, i);
    const v = votes.get(k) ?? new Map<number, number>();
    v.set(train.answer[i], (v.get(train.answer[i]) ?? 0) + 1);
    votes.set(k, v);
  }
  const best = new Map<string, number>();
  for (const [k, v] of votes) best.set(k, [...v.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0]);
  let ok = 0;
  for (let i = 0; i < test.n; i++) if (best.get(key(test, i)) === test.answer[i]) ok++;
  return ok / test.n;
}
