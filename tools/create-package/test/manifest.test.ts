/**
 * The generated package.json follows the published-manifest rules (docs/architecture.md section 5):
 * a package generated into a temporary copy of the workspace and built passes pack-test's
 * `manifestProblems`.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { manifestProblems } from '@moe-zoo/pack-test';
import { createPackage, repositoryWebUrl, workspaceValues } from '../src';
import { bin, REPO, scratchWorkspace } from './workspace';

const run = promisify(execFile);

const scratches: string[] = [];
function scratch(...args: Parameters<typeof scratchWorkspace>): string {
  const root = scratchWorkspace(...args);
  scratches.push(root);
  return root;
}
afterAll(() => {
  for (const root of scratches) fs.rmSync(root, { recursive: true, force: true });
});

describe('workspace values of the manifest', () => {
  it("are the root's license, engines and repository, core's version and TensorFlow.js peers", () => {
    const top = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    const core = JSON.parse(fs.readFileSync(path.join(REPO, 'packages', 'core', 'package.json'), 'utf8'));
    expect(workspaceValues(REPO)).toEqual({
      license: top.license,
      nodeRange: top.engines.node,
      repositoryUrl: top.repository.url,
      webUrl: repositoryWebUrl(top.repository.url),
      coreRange: `^${core.version}`,
      tfjsRange: core.peerDependencies['@tensorflow/tfjs'],
      tfjsWasmRange: core.peerDependencies['@tensorflow/tfjs-backend-wasm'],
    });
  });

  it.each([
    ['git+https://github.com/moe-zoo/moe-zoo.git', 'https://github.com/moe-zoo/moe-zoo'],
    ['git@github.com:moe-zoo/moe-zoo.git', 'https://github.com/moe-zoo/moe-zoo'],
    ['git://github.com/moe-zoo/moe-zoo.git', 'https://github.com/moe-zoo/moe-zoo'],
    ['https://gitlab.com/a/b/', 'https://gitlab.com/a/b'],
    ['not a url', undefined],
  ])('the web address of %s is %s', (url, web) => {
    expect(repositoryWebUrl(url)).toBe(web);
  });
});

describe('the generated package.json', () => {
  it("passes pack-test's manifestProblems once built", async () => {
    // packages/core's manifest is copied in, so that the rule "repeat the peers of our own
    // dependencies" sees core's TensorFlow.js peers.
    const root = scratch({ bench: false, manifests: ['core'] });
    const { dir, files } = await createPackage({ name: 'pub-moe', root, suite: false });
    expect(files).toContain(path.join('packages', 'pub-moe', 'LICENSE'));
    expect(fs.readFileSync(path.join(dir, 'LICENSE'))).toEqual(fs.readFileSync(path.join(REPO, 'LICENSE')));

    // Before the build, all that is missing is dist.
    const build = 'build the package first (npx nx run @moe-zoo/pub-moe:build)';
    expect(manifestProblems(dir, root)).toEqual([
      `@moe-zoo/pub-moe (${path.join(dir, 'package.json')}): main file dist/index.js does not exist; ${build}`,
      `@moe-zoo/pub-moe (${path.join(dir, 'package.json')}): types file dist/index.d.ts does not exist; ${build}`,
    ]);

    await run(bin('tsc'), ['-p', 'tsconfig.lib.json'], { cwd: dir });
    expect(manifestProblems(dir, root)).toEqual([]);
  });

  it('is not written when the workspace has no LICENSE to copy', async () => {
    const root = scratch({ bench: false });
    fs.rmSync(path.join(root, 'LICENSE'));
    await expect(createPackage({ name: 'pub-moe', root, suite: false })).rejects.toThrow(
      `${root} has no LICENSE`,
    );
    expect(fs.readdirSync(path.join(root, 'packages'))).toEqual([]);
  });

  it('is not written when the root package.json has no repository', async () => {
    const root = scratch({ bench: false });
    const manifest = path.join(root, 'package.json');
    const top = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    delete top.repository;
    fs.writeFileSync(manifest, JSON.stringify(top, null, 2));
    await expect(createPackage({ name: 'pub-moe', root, suite: false })).rejects.toThrow(
      'has no "repository".url',
    );
    expect(fs.readdirSync(path.join(root, 'packages'))).toEqual([]);
  });
});
