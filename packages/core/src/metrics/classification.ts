/** Fraction of predictions equal to the labels. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkLengths(predicted, labels);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return labels.length ? correct / labels.length : 0;
}

/**
 * Confusion matrix `m[true][predicted]` (counts) for classes `0..numClasses-1`; a label or
 * prediction outside that range is an error naming its index.
 *
 * @example
 * ```ts
 * confusionMatrix([0, 1, 1], [0, 1, 0], 2); // [[1, 1], [0, 1]]
 * ```
 */
export function confusionMatrix(
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): number[][] {
  checkLengths(predicted, labels);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const [t, p] = [labels[i], predicted[i]];
    if (
      !(t >= 0 && t < numClasses && p >= 0 && p < numClasses) ||
      !Number.isInteger(t) ||
      !Number.isInteger(p)
    ) {
      throw new Error(
        `confusionMatrix: sample ${i} has label ${t} / prediction ${p} outside [0, ${numClasses})`,
      );
    }
    m[t][p]++;
  }
  return m;
}

/** Per-class recall (diagonal over row sums) of a confusion matrix; NaN for an empty class. */
export function perClassRecall(matrix: number[][]): number[] {
  return matrix.map((row, i) => row[i] / row.reduce((s, v) => s + v, 0));
}

function checkLengths(predicted: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (predicted.length !== labels.length) {
    throw new Error(`${predicted.length} predictions for ${labels.length} labels`);
  }
}
