import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCaptured } from '@moe-zoo/core';
import { createNewPackageCli } from '../src';

const cli = (argv: string[]) => runCaptured(createNewPackageCli, argv);

describe('new-package command line', () => {
  it('prints --help on stdout and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: new-package [options] <name>');
    expect(r.stdout).toContain('--no-suite');
    expect(r.stderr).toBe('');
  });

  it("prints the package's version", async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('rejects an unknown option, a second name and a missing name with exit 2', async () => {
    const unknown = await cli(['toy', '--suites']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--suites'");
    expect((await cli(['a', 'b'])).code).toBe(2);
    expect((await cli([])).stderr).toContain("missing required argument 'name'");
  });

  it('fails on a --root that is not a workspace with one line naming it, the stack only with --verbose', async () => {
    const root = path.join(os.tmpdir(), `no-such-workspace-${process.pid}`);
    const r = await cli(['toy', '--root', root]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `new-package: ${root} is not a moe-zoo workspace root (no packages/ folder); pass --root (CreatePackageError)\n`,
    );
    const verbose = await cli(['toy', '--root', root, '--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });
});
