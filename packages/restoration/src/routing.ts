/**
 * How strongly routing follows the weather type: the normalised mutual information between a
 * patch's weather type and the experts its tokens are sent to (from the router's top-k choices),
 * against the same statistic with the weather labels shuffled.
 */
import { groupInformation, labelPermutationTest, usageByGroup, type LabelPermutation } from '@moe-zoo/core';

/**
 * Normalised mutual information between the patches' task ids and the experts chosen for their
 * tokens: `assignments[patch][expert]` counts top-k choices (one routed layer of
 * `evaluateRestoration`), pooled per task, tasks taken as equally likely. 0 = routing ignores the
 * weather, 1 = every weather type has experts of its own.
 *
 * @example
 * ```ts
 * const ev = await evaluateRestoration(net, test);
 * weatherInformation(ev.assignments[ev.assignments.length - 1], test.tasks);
 * ```
 */
export function weatherInformation(
  assignments: readonly (readonly number[])[],
  tasks: ArrayLike<number>,
): number {
  return informationOf(usageOf(assignments, tasks), assignments[0]?.length ?? 0, tasks);
}

/** The assignments flattened to per-patch usage rows, after checking there is one per task id. */
function usageOf(assignments: readonly (readonly number[])[], tasks: ArrayLike<number>): number[] {
  if (assignments.length !== tasks.length) {
    throw new Error(
      `weatherInformation: ${assignments.length} patches of assignments but ${tasks.length} task ids`,
    );
  }
  return assignments.flat();
}

function informationOf(usage: readonly number[], experts: number, tasks: ArrayLike<number>): number {
  return groupInformation([...usageByGroup(usage, experts, tasks).values()]);
}

/**
 * {@link weatherInformation} on the true weather labels against `shuffles` label permutations
 * (core's `labelPermutationTest`): the observed value, the null's mean and largest, and the
 * permutation p-value.
 */
export function weatherRoutingTest(
  assignments: readonly (readonly number[])[],
  tasks: ArrayLike<number>,
  shuffles = 50,
  seed = 0,
): LabelPermutation {
  const usage = usageOf(assignments, tasks);
  const experts = assignments[0]?.length ?? 0;
  return labelPermutationTest(Array.from(tasks), (t) => informationOf(usage, experts, t), shuffles, seed);
}
