/** The manifest and tarball rules on small made-up workspaces: each rule finds what it is for. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  builtRequests,
  installedCopies,
  manifestProblems,
  tarballProblems,
  type PackedPackage,
} from '../src';

const LICENSE = 'MIT License\n\nCopyright (c) 2026 the moe-zoo authors\n';
const TF = '^4.22.0';

let root: string;

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
}

/** A built package `packages/<short>` with the given manifest fields over a publishable default. */
function makePackage(short: string, fields: Record<string, unknown> = {}, code = ''): string {
  const manifest = {
    name: `@x/${short}`,
    version: '0.1.0',
    keywords: ['moe'],
    repository: { type: 'git', url: 'git+https://example.test/x.git', directory: `packages/${short}` },
    license: 'MIT',
    engines: { node: '>=20.9' },
    main: 'dist/index.js',
    types: 'dist/index.d.ts',
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './package.json': './package.json',
    },
    files: ['dist', 'README.md', 'LICENSE'],
    ...fields,
  };
  write(`packages/${short}/package.json`, JSON.stringify(manifest));
  write(`packages/${short}/README.md`, '# x\n');
  write(`packages/${short}/LICENSE`, LICENSE);
  write(`packages/${short}/dist/index.js`, code);
  write(`packages/${short}/dist/index.d.ts`, 'export {};\n');
  return path.join(root, 'packages', short);
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-rules-'));
  write(
    'package.json',
    JSON.stringify({
      name: 'x',
      private: true,
      license: 'MIT',
      repository: { type: 'git', url: 'git+https://example.test/x.git' },
      engines: { node: '>=20.9' },
      workspaces: ['packages/*'],
    }),
  );
  write('LICENSE', LICENSE);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('manifestProblems', () => {
  it('accepts a publishable package with tfjs as a peer', () => {
    const dir = makePackage(
      'core',
      { peerDependencies: { '@tensorflow/tfjs': TF }, devDependencies: { '@tensorflow/tfjs': TF } },
      'const tf = require("@tensorflow/tfjs");\n',
    );
    expect(manifestProblems(dir, root)).toEqual([]);
  });

  it('finds what the manifests of before issue 17 lacked', () => {
    makePackage('core', {
      peerDependencies: { '@tensorflow/tfjs': TF },
      devDependencies: { '@tensorflow/tfjs': TF },
    });
    const dir = makePackage(
      'vision',
      {
        repository: undefined,
        engines: undefined,
        exports: undefined,
        files: ['dist', 'README.md'],
        dependencies: { '@x/core': '*', '@tensorflow/tfjs-backend-wasm': '4.22.0' },
      },
      'require("@tensorflow/tfjs-backend-wasm/wasm-out/x.js");\n',
    );
    fs.mkdirSync(path.join(dir, 'models', 'm'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'LICENSE'), 'other\n');
    expect(manifestProblems(dir, root).map((p) => p.replace(/^@x\/vision \([^)]*\): /, ''))).toEqual([
      "LICENSE differs from the workspace's LICENSE (copy it)",
      '"engines".node is undefined, the workspace\'s is >=20.9',
      '"repository" must be { "type": "git", "url": "git+https://example.test/x.git", "directory": "packages/vision" }',
      '"files" must include "LICENSE"',
      '"files" must include "models"',
      '"exports" must map "." to { "types": "./dist/index.d.ts", "default": "./dist/index.js" }',
      'dependencies @x/core has the range "*"; use a version range (^x.y.z)',
      '@tensorflow/tfjs-backend-wasm is in dependencies; TensorFlow.js must be a peer dependency (one copy in the app)',
      'dist loads @tensorflow/tfjs-backend-wasm, which is not a peer dependency',
      '@x/core needs the peer @tensorflow/tfjs@^4.22.0; declare the same peer dependency',
    ]);
  });

  it('wants types first in exports, peers as dev dependencies and bins shipped', () => {
    const dir = makePackage('audio', {
      exports: { '.': { default: './dist/index.js', types: './dist/index.d.ts' } },
      peerDependencies: { '@tensorflow/tfjs': TF, '@tensorflow/tfjs-node': TF },
      peerDependenciesMeta: { '@tensorflow/tfjs-node': { optional: true }, mnist: { optional: true } },
      bin: { 'x-cli': 'bin/x.js' },
    });
    expect(manifestProblems(dir, root).map((p) => p.replace(/^[^:]*: /, ''))).toEqual([
      '"files" does not ship the bin bin/x.js',
      'bin bin/x.js does not exist',
      '"exports"["."] must start with "types": "./dist/index.d.ts"',
      '"exports" must include "./package.json"',
      'peerDependenciesMeta names mnist, which is not a peer dependency',
      'peer dependency @tensorflow/tfjs is not a devDependency too (the workspace builds and tests with it)',
    ]);
  });
});

describe('tarballProblems', () => {
  const packed = (files: string[]): PackedPackage => ({
    name: '@x/core',
    version: '0.1.0',
    tarball: 'x.tgz',
    files,
  });
  const base = ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts'];

  it('accepts maps with their sources inlined', () => {
    const dir = makePackage('core');
    fs.writeFileSync(
      path.join(dir, 'dist', 'index.js.map'),
      JSON.stringify({ sources: ['../src/index.ts'], sourcesContent: ['export {};\n'] }),
    );
    fs.writeFileSync(path.join(dir, 'dist', 'index.js'), '//# sourceMappingURL=index.js.map\n');
    expect(tarballProblems(dir, packed([...base, 'dist/index.js.map']))).toEqual([]);
  });

  it('finds maps pointing at sources not shipped, missing files, sources and model files left out', () => {
    const dir = makePackage('core');
    fs.writeFileSync(
      path.join(dir, 'dist', 'index.js.map'),
      JSON.stringify({ sources: ['../src/index.ts'] }),
    );
    fs.writeFileSync(path.join(dir, 'dist', 'a.js'), '//# sourceMappingURL=a.js.map\n');
    fs.mkdirSync(path.join(dir, 'models', 'm'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'models', 'm', 'model.safetensors'), '');
    const files = [
      'package.json',
      'README.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/index.js.map',
      'dist/a.js',
    ];
    expect(tarballProblems(dir, packed([...files, 'src/index.ts']))).toEqual([
      '@x/core tarball: LICENSE is not in the tarball',
      '@x/core tarball: dist/a.js has no declarations (.d.ts)',
      '@x/core tarball: src/index.ts should not be shipped',
      '@x/core tarball: dist/a.js names the source map a.js.map, which is not shipped',
      '@x/core tarball: models/m/model.safetensors (a trained model file) is not in the tarball',
    ]);
    // without the source shipped, the map points at nothing
    expect(tarballProblems(dir, packed(files)).filter((p) => p.includes('index.js.map'))).toEqual([
      '@x/core tarball: dist/index.js.map points to ../src/index.ts, which is neither shipped nor inlined (sourcesContent)',
    ]);
  });
});

describe('builtRequests and installedCopies', () => {
  it('list the packages built code requires and every installed copy of a package', () => {
    const dir = makePackage(
      'core',
      {},
      'require("zod"); require.resolve(\'@t/w/x.js\'); require("./local");\n',
    );
    expect(builtRequests(path.join(dir, 'dist'))).toEqual(['@t/w/x.js', 'zod']);
    write('app/node_modules/@t/core/package.json', '{"version":"4.22.0"}');
    write('app/node_modules/lib/node_modules/@t/core/package.json', '{"version":"4.21.0"}');
    expect(installedCopies(path.join(root, 'app'), '@t/core').map((c) => c.version)).toEqual([
      '4.22.0',
      '4.21.0',
    ]);
  });
});
