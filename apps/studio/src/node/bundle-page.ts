/** Bundles the page script with esbuild for browsers (each package's `browser` entry, one tfjs). */
import { build } from 'esbuild';
import * as path from 'path';

/** Writes `<outDir>/studio.js` (+ source map) from the page entry. */
export async function bundlePage(entry: string, outDir: string): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    sourcesContent: false,
    minify: true,
    outfile: path.join(outDir, 'studio.js'),
    logLevel: 'warning',
  });
}
