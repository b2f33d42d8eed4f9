/** Where the studio's build reads from and writes to. */
import * as path from 'path';

/** apps/studio (this file is compiled to dist/lib/node/). */
export const STUDIO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The served web app: `apps/studio/dist/app`. */
export const APP_DIR = path.join(STUDIO_ROOT, 'dist', 'app');
/** The page's sources and static files. */
export const PAGE_ENTRY = path.join(STUDIO_ROOT, 'src', 'page', 'main.ts');
export const STATIC_DIR = path.join(STUDIO_ROOT, 'static');

/** The folder of an installed package (its package.json's folder). */
export function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}
