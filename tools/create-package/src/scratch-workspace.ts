/**
 * A throwaway copy of the minimum workspace, to generate packages into without touching the real
 * one (the generator's tests and the run of its README example in tools/readme-examples).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The repository root (from src/ or dist/ of tools/create-package). */
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
 * apps/bench, node_modules entries linked to the repo's. Only works inside the repository (it
 * copies from it); the caller removes the folder.
 *
 * @example
 * ```ts
 * const root = scratchWorkspace();
 * await createPackage({ name: 'speech-moe', root });
 * ```
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
