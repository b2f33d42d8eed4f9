import * as path from 'path';
import { bundleForBrowser, findChromium, runInBareContext } from '../src';

const ROOT = path.resolve(__dirname, '..');

describe('bundleForBrowser', () => {
  it("records the Node built-ins our files import and returns a bundle's inputs", async () => {
    const b = await bundleForBrowser(
      { source: "import * as os from 'os';\nexport const n = typeof os;", resolveDir: ROOT },
      { globalName: 'probe' },
    );
    expect(b.builtins).toEqual(['os <- <stdin>']);
    expect(b.code).toContain('probe');
  });

  it('bundles a browser-safe entry with no built-in', async () => {
    const b = await bundleForBrowser({ file: path.join(ROOT, 'src', 'bare-context.ts') }, { format: 'esm' });
    // bare-context imports `vm`: a Node module the recorder must name with its importer.
    expect(b.builtins).toEqual([`vm <- ${path.join(ROOT, 'src', 'bare-context.ts')}`]);
    expect(b.inputs).toContain('src/bare-context.ts');
  });
});

describe('runInBareContext', () => {
  it("returns the bundle's exports from a context without require, process or Buffer", async () => {
    const b = await bundleForBrowser(
      {
        source:
          'const g = globalThis as Record<string, unknown>;\n' +
          'export const probe = () => [g.require, g.process, g.Buffer].map((v) => typeof v).join(" ") + " " + typeof g.self;',
        resolveDir: ROOT,
      },
      { globalName: 'app' },
    );
    const app = runInBareContext<{ probe(): string }>(b.code, 'app');
    expect(app.probe()).toBe('undefined undefined undefined object');
  });

  it('names the global when the bundle assigns nothing to it', () => {
    expect(() => runInBareContext('var other = 1;', 'app')).toThrow(/nothing to app/);
  });
});

describe('findChromium', () => {
  const saved = process.env.CHROMIUM_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = saved;
  });

  it('rejects a CHROMIUM_PATH that is not an executable file, naming the purpose', () => {
    process.env.CHROMIUM_PATH = path.join(ROOT, 'package.json');
    expect(() => findChromium('the probe test opens a page')).toThrow(
      /CHROMIUM_PATH=.*package\.json is not an executable file \(the probe test opens a page\)/,
    );
  });
});
