/** A throwaway copy of the minimum workspace for the generator's tests (not a test file itself). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The repository root. */
export const REPO = path.resolve(__dirname, '..', '..', '..');

/** What {@link scratchWorkspace} copies besides the root files and node_modules. */
export interface ScratchOptions {
  /** Copy apps/bench (manifest, configs, src) so that a suite can be generated (default true). */
  bench?: boolean;
  /**
   * Folders of packages/ whose package.json (only) is copied, so that rules about the workspace's
   * packages (pack-test's peers of our own dependencies) see them; none by default.
   */
  manifests?: string[];
}

/**
 * A throwaway workspace in the system temp folder: root configs and LICENSE, optionally a copy of
 * apps/bench, node_modules entries linked to the repo's.
 */
export function scratchWorkspace(o: ScratchOptions = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-create-package-'));
  for (const f of [
    'nx.json',
    'tsconfig.base.json',
    'package.json',
    'LICENSE',
    '.prettierrc.json',
    '.prettierignore',
    'eslint.config.js',
  ]) {
    fs.copyFileSync(path.join(REPO, f), path.join(root, f));
  }
  fs.cpSync(path.join(REPO, 'eslint-rules'), path.join(root, 'eslint-rules'), { recursive: true });
  fs.mkdirSync(path.join(root, 'packages'));
  for (const name of o.manifests ?? []) {
    fs.mkdirSync(path.join(root, 'packages', name));
    fs.copyFileSync(
      path.join(REPO, 'packages', name, 'package.json'),
      path.join(root, 'packages', name, 'package.json'),
    );
  }
  if (o.bench ?? true) {
    const bench = path.join(root, 'apps', 'bench');
    fs.mkdirSync(bench, { recursive: true });
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.lib.json', 'jest.config.js']) {
      fs.copyFileSync(path.join(REPO, 'apps', 'bench', f), path.join(bench, f));
    }
    fs.cpSync(path.join(REPO, 'apps', 'bench', 'src'), path.join(bench, 'src'), { recursive: true });
  }
  // node_modules: every entry links to the repo's, except @moe-zoo, whose members are linked one by one
  // so that the new package can be linked next to them (what `npm install` does in the real workspace).
  const modules = path.join(root, 'node_modules');
  fs.mkdirSync(path.join(modules, '@moe-zoo'), { recursive: true });
  for (const entry of fs.readdirSync(path.join(REPO, 'node_modules'))) {
    if (entry === '@moe-zoo' || entry === '.bin') continue;
    fs.symlinkSync(path.join(REPO, 'node_modules', entry), path.join(modules, entry));
  }
  for (const entry of fs.readdirSync(path.join(REPO, 'node_modules', '@moe-zoo'))) {
    fs.symlinkSync(
      fs.realpathSync(path.join(REPO, 'node_modules', '@moe-zoo', entry)),
      path.join(modules, '@moe-zoo', entry),
    );
  }
  return root;
}

/** A command of the repo's node_modules/.bin. */
export function bin(name: string): string {
  return path.join(REPO, 'node_modules', '.bin', name);
}
