/** The runnable example of a README. */

/**
 * The first ```ts (or ```js) code block of a README, or undefined.
 *
 * @example
 * ```ts
 * firstExample(fs.readFileSync('packages/restoration/README.md', 'utf8'));
 * ```
 */
export function firstExample(readme: string): { lang: 'ts' | 'js'; code: string } | undefined {
  const match = /^```(ts|typescript|js|javascript)\s*\n([\s\S]*?)^```/m.exec(readme);
  if (!match) return undefined;
  return { lang: match[1].startsWith('t') ? 'ts' : 'js', code: match[2] };
}
