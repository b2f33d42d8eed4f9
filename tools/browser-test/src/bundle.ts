/** Bundles an entry for the browser with esbuild, recording every Node built-in our own files import. */
import { build, type Plugin } from 'esbuild';
import { builtinModules } from 'module';
import * as path from 'path';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** What to bundle: a file, or TypeScript source resolved from `resolveDir`. */
export type BundleEntry = { file: string } | { source: string; resolveDir: string };

/** Options of {@link bundleForBrowser}. */
export interface BundleOptions {
  /** 'iife' (default; needs `globalName`) or 'esm'. */
  format?: 'iife' | 'esm';
  /** The global an iife bundle assigns its exports to. */
  globalName?: string;
}

/** A browser bundle and what went into it. */
export interface BrowserBundle {
  /** `<builtin> <- <importer>` for every Node built-in a file outside node_modules imports. */
  builtins: string[];
  /** The bundled files, as paths relative to the working directory with `/` separators. */
  inputs: string[];
  /** The bundle's code. */
  code: string;
  warnings: string[];
}

/**
 * Bundles `entry` with esbuild `--platform=browser` (packages resolve through their `browser`
 * condition, as a bundler sees them), in memory.
 *
 * @example
 * ```ts
 * const { builtins, inputs, code } = await bundleForBrowser({ source: ENTRY, resolveDir: ROOT }, { globalName: 'app' });
 * ```
 */
export async function bundleForBrowser(
  entry: BundleEntry,
  options: BundleOptions = {},
): Promise<BrowserBundle> {
  const builtins: string[] = [];
  const record: Plugin = {
    name: 'record-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const ours = !args.importer.includes(`${path.sep}node_modules${path.sep}`);
        if (!BUILTINS.has(args.path.split('/')[0])) return undefined;
        if (ours) builtins.push(`${args.path} <- ${args.importer}`);
        // External, so the bundle still builds and the caller sees every built-in in `builtins`.
        return ours ? { path: args.path, external: true } : undefined;
      });
    },
  };
  const dir = 'file' in entry ? path.dirname(entry.file) : entry.resolveDir;
  const result = await build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.source, resolveDir: entry.resolveDir, loader: 'ts' as const } }),
    bundle: true,
    platform: 'browser',
    format: options.format ?? 'iife',
    ...(options.globalName ? { globalName: options.globalName } : {}),
    write: false,
    metafile: true,
    logLevel: 'silent',
    outfile: path.join(dir, 'browser-bundle.js'),
    plugins: [record],
  });
  return {
    builtins,
    inputs: Object.keys(result.metafile.inputs).map((f) => f.split(path.sep).join('/')),
    code: result.outputFiles[0].text,
    warnings: result.warnings.map((w) => w.text),
  };
}
