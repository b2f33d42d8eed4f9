/**
 * The packages install on their own, as users will install them: `npm pack` gives tarballs with
 * built JavaScript, declarations and the README; installed from those tarballs into an empty
 * project outside the workspace, the model package's README example type-checks and runs.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  compileExample,
  createScratchProject,
  firstExample,
  installTarballs,
  isolatedEnv,
  manifestProblems,
  packPackage,
  runCommand,
  type PackedPackage,
} from '../src';

const REPO = path.resolve(__dirname, '..', '..', '..');
/**
 * The core, the data package and one model package (restoration: its README example needs no
 * generated data; it depends on @moe-zoo/data for image I/O, so data is packed and installed too).
 */
const PACKAGES = ['packages/core', 'packages/data', 'packages/restoration'];
const MODEL = '@moe-zoo/restoration';

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

  beforeAll(() => {
    project = createScratchProject(REPO);
  });
  afterAll(() => {
    fs.rmSync(project, { recursive: true, force: true });
  });

  it('have publishable manifests and are built', () => {
    expect(PACKAGES.flatMap((p) => manifestProblems(path.join(REPO, p)))).toEqual([]);
  });

  it('pack to tarballs with dist JavaScript, declarations and the README, and no sources or tests', async () => {
    for (const p of PACKAGES) {
      const dir = path.join(REPO, p);
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const pack = await packPackage(dir, path.join(project, 'tarballs'));
      packed.push(pack);
      expect(pack.name).toBe(manifest.name);
      expect(fs.existsSync(pack.tarball)).toBe(true);
      expect(pack.files).toEqual(
        expect.arrayContaining(['package.json', 'README.md', manifest.main, manifest.types]),
      );
      expect(pack.files.filter((f) => !/^(dist\/|README\.md$|package\.json$|LICENSE)/.test(f))).toEqual([]);
      // every module has its declarations
      const js = pack.files.filter((f) => f.endsWith('.js'));
      expect(js.length).toBeGreaterThan(0);
      expect(js.filter((f) => !pack.files.includes(f.replace(/\.js$/, '.d.ts')))).toEqual([]);
    }
  });

  it(`install into an empty project outside the workspace and run the ${MODEL} README example`, async () => {
    expect(packed).toHaveLength(PACKAGES.length);
    await installTarballs(
      project,
      packed.map((p) => p.tarball),
    );
    for (const p of packed) {
      const installed = path.join(project, 'node_modules', ...p.name.split('/'));
      // a real copy from the tarball, not a link into the workspace
      expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
      expect(JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).version).toBe(
        p.version,
      );
    }

    // The example as the installed README shows it, type-checked against the installed declarations.
    const readme = fs.readFileSync(
      path.join(project, 'node_modules', ...MODEL.split('/'), 'README.md'),
      'utf8',
    );
    const example = firstExample(readme);
    if (!example) throw new Error(`${MODEL}/README.md has no \`\`\`ts example`);
    expect(example.code).toContain(`from '${MODEL}'`);
    const tsc = require.resolve('typescript/bin/tsc', { paths: [REPO] });
    const js = await compileExample(project, example.code, tsc, [path.join(REPO, 'node_modules', '@types')]);

    const { stdout } = await runCommand(process.execPath, [js], {
      cwd: project,
      env: isolatedEnv({ MOE_THREADS: process.env.MOE_THREADS ?? '1' }),
      timeoutMs: 480_000,
    });
    expect(stdout.trim()).not.toBe('');
  });
});
