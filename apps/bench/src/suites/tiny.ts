/**
 * The `--tiny` sizes' shared note: a smoke run (software WebGPU in CI) whose figures and verdicts
 * say only that the suite ran end to end.
 */

/**
 * The note a suite adds when it ran at its tiny sizes (`SuiteContext.tiny`), naming them.
 *
 * @example
 * ```ts
 * const notes = [...(ctx.tiny ? [tinyNote('1 epoch, 320 train / 100 test images')] : []), ...coreNotes(plan)];
 * ```
 */
export function tinyNote(sizes: string): string {
  return `Tiny sizes (--tiny: a smoke run for slow backends such as software WebGPU): ${sizes}. The figures and verdicts only show that the suite runs end to end; they are not comparable with quick or full runs.`;
}
