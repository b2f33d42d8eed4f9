import { readFileSync } from 'fs';
import { join } from 'path';
import {
  CheckpointError,
  createCli,
  MemoryStream,
  formatCliError,
  packageVersion,
  UsageError,
  type CommonFlags,
} from '../src';

/** A one-argument command whose action does what `body` says. */
async function run(
  argv: string[],
  body: (input: string, flags: CommonFlags) => Promise<number | void> = async () => {},
) {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  const cli = createCli({
    name: 'moe-test',
    version: '9.8.7',
    description: 'A test command.',
    io: { stdout, stderr },
  });
  let flags: CommonFlags | undefined;
  cli.program.argument('<input>', 'a file').action(
    cli.action(async (input: string, f: CommonFlags) => {
      flags = f;
      return body(input, f);
    }),
  );
  const code = await cli.run(argv);
  return { code, stdout: stdout.text, stderr: stderr.text, flags };
}

describe('createCli', () => {
  it('prints --help on stdout with the common flags and exit codes, exit 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const flag of ['--version', '--backend <name>', '--threads <n>', '--verbose', '<input>']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('Exit codes: 0 success, 1 error, 2 usage error.');
  });

  it('prints --version', async () => {
    const r = await run(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: '9.8.7\n', stderr: '' });
  });

  it('rejects an unknown option, a bad flag value and an excess argument with exit 2', async () => {
    const unknown = await run(['in.png', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^moe-test: unknown option '--frobnicate'/);
    const threads = await run(['in.png', '--threads', '0']);
    expect(threads.code).toBe(2);
    expect(threads.stderr).toContain('--threads must be an integer >= 1');
    const backend = await run(['in.png', '--backend', 'gpu']);
    expect(backend.code).toBe(2);
    expect(backend.stderr).toContain('unknown backend "gpu"');
    const excess = await run(['a.png', 'b.png']);
    expect(excess.code).toBe(2);
    expect(excess.stderr).toContain('too many arguments');
    expect((await run([])).stderr).toContain("missing required argument 'input'");
  });

  it('passes the parsed common flags to the action', async () => {
    const r = await run(['in.png', '--backend', 'cpu', '--threads', '3', '--verbose']);
    expect(r.code).toBe(0);
    expect(r.flags).toEqual({ backend: 'cpu', threads: 3, verbose: true });
  });

  it('reports an error as one line with its kind and code, the stack only with --verbose', async () => {
    const fail = async (input: string) => {
      throw new CheckpointError('MISSING', 'no such file', { source: input });
    };
    const r = await run(['model.safetensors'], fail);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('moe-test: model.safetensors: no such file (CheckpointError MISSING)\n');
    const verbose = await run(['model.safetensors', '--verbose'], fail);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr.split('\n')[0]).toBe(r.stderr.trimEnd());
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it('exits 2 on a UsageError and with the code an action returns', async () => {
    const usage = await run(['x'], async () => {
      throw new UsageError('--quick and --full cannot be used together');
    });
    expect(usage).toMatchObject({
      code: 2,
      stderr: 'moe-test: --quick and --full cannot be used together\n',
    });
    expect((await run(['x'], async () => 130)).code).toBe(130);
  });
});

describe('formatCliError', () => {
  it('joins a multi-line message into one line and adds causes under verbose', () => {
    const e = new Error('first\nsecond', { cause: new Error('root cause') });
    expect(formatCliError('c', e, false)).toBe('c: first; second\n');
    expect(formatCliError('c', e, true)).toContain('caused by: Error: root cause');
  });

  it("leaves out a code the message already names (Node's system errors)", () => {
    const e = Object.assign(new Error("ENOENT: no such file or directory, open 'x.wav'"), { code: 'ENOENT' });
    expect(formatCliError('c', e, false)).toBe("c: ENOENT: no such file or directory, open 'x.wav'\n");
  });
});

describe('packageVersion', () => {
  it("reads the nearest package.json's version", () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(packageVersion(__dirname)).toBe(manifest.version);
  });
});
