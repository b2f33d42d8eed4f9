/** Wires a new suite into the bench: its import and entry in suites/index.ts, and the dependency. */
import { CreatePackageError } from './errors';
import type { PackageNames } from './names';

/** The declaration itself, at the start of a line (not the example in the file's doc comment). */
const SUITES_ARRAY = /^export const SUITES: Suite\[\] = \[([\s\S]*?)\];/m;

/**
 * Returns `index` (the text of apps/bench/src/suites/index.ts) with `import { <camel>Suite } from
 * './<name>'` after the last suite import and `<camel>Suite` appended to `SUITES`.
 *
 * @throws {@link CreatePackageError} when the file has no `export const SUITES: Suite[] = [...]`.
 */
export function registerSuite(
  index: string,
  names: PackageNames,
  file = 'apps/bench/src/suites/index.ts',
): string {
  const symbol = `${names.camel}Suite`;
  const match = SUITES_ARRAY.exec(index);
  if (!match) {
    throw new CreatePackageError(
      `${file}: found no "export const SUITES: Suite[] = [...]"; add ${symbol} from './${names.name}' by hand`,
    );
  }
  const entries = match[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const withSuite = index.replace(
    SUITES_ARRAY,
    `export const SUITES: Suite[] = [${[...entries, symbol].join(', ')}];`,
  );
  const line = `import { ${symbol} } from './${names.name}';`;
  const imports = [...withSuite.matchAll(/^import .* from '\.\/[^']+';$/gm)];
  const last = imports[imports.length - 1];
  if (!last || last.index === undefined) return `${line}\n${withSuite}`;
  const at = last.index + last[0].length;
  return `${withSuite.slice(0, at)}\n${line}${withSuite.slice(at)}`;
}

/**
 * Returns the bench package.json text with `"@moe-zoo/<name>": <range>` among its dependencies
 * (sorted); `range` is `^` + the new package's version, like every dependency between our packages.
 */
export function addBenchDependency(
  manifest: string,
  names: PackageNames,
  range = '^0.1.0',
  file = 'apps/bench/package.json',
): string {
  let json: { dependencies?: Record<string, string> };
  try {
    json = JSON.parse(manifest) as typeof json;
  } catch (e) {
    throw new CreatePackageError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const deps = { ...(json.dependencies ?? {}), [`@moe-zoo/${names.name}`]: range };
  json.dependencies = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify(json, null, 2)}\n`;
}
