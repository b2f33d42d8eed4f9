import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCaptured } from '@moe-zoo/core';
import { createSpokenDigitsCli } from '../src/cli';

const cli = (argv: string[]) => runCaptured(createSpokenDigitsCli, argv);

describe('spoken-digits', () => {
  it('prints --help on stdout and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: spoken-digits [options]');
    expect(r.stdout).toContain('--seed <n>');
    expect(r.stdout).not.toContain('--backend');
    expect(r.stderr).toBe('');
  });

  it("prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('rejects an unknown option, a bad seed and an argument with exit 2', async () => {
    const unknown = await cli(['--sed', '1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--sed'");
    const seed = await cli(['--seed', 'x']);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toContain('--seed must be an integer >= 0');
    expect((await cli(['extra'])).code).toBe(2);
  });

  it('fails on an output folder that cannot be made with one line naming it, the stack only with --verbose', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'digits-cli-'));
    const file = path.join(root, 'a-file');
    writeFileSync(file, '');
    const dir = path.join(file, 'out');
    try {
      const r = await cli(['--dir', dir]);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining(dir)]);
      expect(r.stderr).toMatch(/^spoken-digits: ENOTDIR/);
      const verbose = await cli(['--dir', dir, '--verbose']);
      expect(verbose.code).toBe(1);
      expect(verbose.stderr).toMatch(/\n\s+at /);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
