/** The ts examples of the workspace's READMEs, as written. */
import * as fs from 'fs';
import * as path from 'path';

/**
 * What a comment line right above an example's fence says about running it:
 * `<!-- readme-example: args a b -->` runs it with those command-line arguments;
 * `<!-- readme-example: no-run <reason> -->` type-checks it only (keep these rare; the reason is
 * reported).
 */
export type Directive = { kind: 'args'; args: string[] } | { kind: 'no-run'; reason: string };

/** One ```ts block of a README. */
export interface ReadmeExample {
  /** The README, relative to the workspace root (`packages/core/README.md`). */
  readme: string;
  /** 1-based position among the README's ts blocks. */
  index: number;
  /** 1-based line of the opening fence. */
  line: number;
  /** The block's text, verbatim. */
  code: string;
  directive?: Directive;
}

/** The ending every example with an async `main` has (a failure exits non-zero). */
export const MAIN_ENDING = 'main().catch((e) => {\n  console.error(e);\n  process.exit(1);\n});\n';

const DIRECTIVE = /^<!--\s*readme-example:\s*(args|no-run)\b\s*(.*?)\s*-->\s*$/;

/**
 * The READMEs whose examples are run: the root's and those of `packages/*`, `apps/*` and `tools/*`
 * (not the generated model cards under `packages/x/models/`).
 */
export function workspaceReadmes(root: string): string[] {
  const found = fs.existsSync(path.join(root, 'README.md')) ? ['README.md'] : [];
  for (const group of ['packages', 'apps', 'tools']) {
    const dir = path.join(root, group);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      const readme = path.join(group, name, 'README.md');
      if (fs.existsSync(path.join(root, readme))) found.push(readme);
    }
  }
  return found;
}

function parseDirective(line: string | undefined, where: string): Directive | undefined {
  if (line === undefined || !line.includes('readme-example')) return undefined;
  const m = DIRECTIVE.exec(line.trim());
  if (!m) throw new Error(`${where}: unreadable directive ${JSON.stringify(line.trim())}`);
  if (m[1] === 'args') return { kind: 'args', args: m[2] === '' ? [] : m[2].split(/\s+/) };
  if (m[2] === '') throw new Error(`${where}: no-run needs a reason`);
  return { kind: 'no-run', reason: m[2] };
}

/**
 * Every ```ts (or ```typescript) block of a README's text, in order, with the directive on the
 * line above its fence.
 *
 * @example
 * ```text
 * readmeExamples('packages/data/README.md', fs.readFileSync('packages/data/README.md', 'utf8'));
 * ```
 */
export function readmeExamples(readme: string, text: string): ReadmeExample[] {
  const lines = text.split('\n');
  const out: ReadmeExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && lines[end].trimEnd() !== open[1]) end++;
    if (end === lines.length) throw new Error(`${readme}:${i + 1}: code block never closed`);
    if (open[2] === 'ts' || open[2] === 'typescript') {
      const where = `${readme}:${i + 1}`;
      out.push({
        readme,
        index: out.length + 1,
        line: i + 1,
        code: lines.slice(i + 1, end).join('\n') + '\n',
        directive: parseDirective(lines[i - 1], where),
      });
    }
    i = end;
  }
  return out;
}

/** Problems with how an example ends: an async `main` must end in {@link MAIN_ENDING}. */
export function endingProblem(code: string): string | undefined {
  if (!/\basync function main\s*\(/.test(code)) return undefined;
  return code.endsWith(MAIN_ENDING) ? undefined : `has an async main but does not end in:\n${MAIN_ENDING}`;
}

/** A file name for an example: `packages/core/README.md` block 2 -> `packages-core-2`. */
export function exampleName(e: Pick<ReadmeExample, 'readme' | 'index'>): string {
  const dir = path.dirname(e.readme);
  return `${dir === '.' ? 'root' : dir.replace(/[\\/]/g, '-')}-${e.index}`;
}
