import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, runCaptured } from '@moe-zoo/core';
import { encodeImage, readImageFile } from '../src';
import { createRestoreCli } from '../src/cli';

const cli = (argv: string[], tty = false) => runCaptured(createRestoreCli, argv, { tty });

let dir: string;
let input: string;
beforeAll(async () => {
  await initBackend();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-restore-'));
  input = path.join(dir, 'in.png');
  const [width, height] = [70, 45];
  const data = new Float32Array(width * height * 3).map((_, i) => ((i * 7) % 13) / 13);
  fs.writeFileSync(input, encodeImage({ width, height, data }, 'png'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('moe-restore', () => {
  it('restores a photo with the shipped model by default', async () => {
    const output = path.join(dir, 'out.png');
    const r = await cli([input, output]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^.*in\.png \(70x45\) -> .*out\.png in \d+\.\d s\n$/);
    expect(r.stderr).toBe(''); // no bar when stderr is not a terminal
    const restored = await readImageFile(output);
    expect([restored.width, restored.height]).toEqual([70, 45]);
  });

  it('draws a progress bar over the tiles when stderr is a terminal', async () => {
    const r = await cli([input, path.join(dir, 'out.webp')], true);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/restore tiles: done 6\/6 in /);
  });

  it('prints --help on stdout and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: moe-restore [options] <input> <output>');
    expect(r.stdout).toContain('--model <name|dir>');
    expect(r.stdout).toMatch(/\(default:\s+"mofme-deweather"\)/);
    expect(r.stderr).toBe('');
  });

  it("prints the package's version", async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('rejects an unknown option, a bad --max-pixels and an excess argument with exit 2', async () => {
    const out = path.join(dir, 'o.png');
    const unknown = await cli([input, out, '--tile', '64']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--tile'");
    const limit = await cli([input, out, '--max-pixels', '-5']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--max-pixels must be an integer >= 1');
    // The old first argument, a checkpoint folder, is now an excess argument.
    expect((await cli([dir, input, out])).code).toBe(2);
  });

  it('fails on a missing input with one line naming it, the stack only with --verbose', async () => {
    const missing = path.join(dir, 'nope.jpg');
    const r = await cli([missing, path.join(dir, 'o.png')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^moe-restore: ${missing}: cannot read \\(.*ENOENT.*\\) \\(ImageError IO\\)$`),
      ),
    ]);
    const verbose = await cli([missing, path.join(dir, 'o.png'), '--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr.split('\n')[0]).toBe(r.stderr.trimEnd());
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it('names an unknown model and a too-large image', async () => {
    const model = await cli([input, path.join(dir, 'o.png'), '--model', 'no-such-model']);
    expect(model.code).toBe(1);
    expect(model.stderr).toMatch(
      /^moe-restore: .*"no-such-model" is neither a model of @moe-zoo\/restoration .*\(CheckpointError MISSING\)\n$/,
    );
    const large = await cli([input, path.join(dir, 'o.png'), '--max-pixels', '100']);
    expect(large.code).toBe(1);
    expect(large.stderr).toMatch(/^moe-restore: .*in\.png: .*\(ImageError TOO_LARGE\)\n$/);
    // 70x45 at 32-px tiles with overlap 8: 3 x 2 tiles.
    const tiles = await cli([input, path.join(dir, 'o.png'), '--max-tiles', '5']);
    expect(tiles.code).toBe(1);
    expect(tiles.stderr).toMatch(
      /^moe-restore: 70x45 needs 6 tiles of 32x32 \(overlap 8\), over the limit of 5: raise maxTiles \(moe-restore --max-tiles\) .*\(ImageError TOO_LARGE\)\n$/,
    );
    expect((await cli([input, path.join(dir, 'o.png'), '--max-tiles', '6'])).code).toBe(0);
  });
});
