import { EventEmitter } from 'events';
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LineReporter, MemoryStream, random, setSeed } from '@moe-zoo/core';
import { createProgram } from '../src/cli';
import { formatCount } from '../src/format';
import { renderLeaderboard } from '../src/leaderboard';
import { validateReport } from '../src/schema';
import { renderSummary, type MachineInfo } from '../src/summary';
import type { Suite, SuiteContext, SuiteReport, SuiteResult } from '../src/types';

// Without figures (they are PNG bytes here, file references in a SuiteReport), so FIXED can spread it.
const RESULT: Omit<SuiteResult, 'figures'> = {
  rows: [
    {
      model: 'mofme',
      variant: 'linear-fm',
      task: 'allweather',
      paramsTotal: 1_234_567,
      paramsActive: 300_000,
      flopsPerSample: 4_560_000,
      metrics: { psnr: 27.123, ssim: 0.8812 },
      spread: { psnr: 0.25 },
      perSeed: { psnr: [26.946, 27.3], ssim: [0.88, 0.8824] },
      latencyMsPerBatch: 12.5,
      trainSeconds: 3.2,
    },
    {
      model: 'dense',
      variant: 'baseline',
      task: 'allweather',
      paramsTotal: 2_000_000,
      paramsActive: 2_000_000,
      flopsPerSample: 9_000_000,
      metrics: { psnr: 26.5, ssim: 0.87 },
      perSeed: { psnr: [26.4, 26.6], ssim: [0.87, 0.87] },
      latencyMsPerBatch: 20,
      trainSeconds: 4,
    },
  ],
  claims: [
    {
      id: 'mofme-fewer-params',
      paper: 'MoFME',
      statement: 'MoFME has at most 28% of the parameters of the MoE',
      verdict: 'holds',
      parts: [
        {
          quantity: 'params: mofme / moe',
          rule: { kind: 'at-most', bar: 0.28 },
          verdict: 'holds',
          tests: [{ test: 'exact', estimate: 0.15, lo: 0.15, hi: 0.15, level: 1, seeds: 0, items: 0 }],
        },
      ],
      evidence: '300K vs 2M active params',
    },
    {
      id: 'mofme-better',
      paper: 'MoFME',
      statement: 'MoFME restores better than dense',
      verdict: 'inconclusive',
      parts: [
        {
          quantity: 'psnr: linear-fm - baseline',
          rule: { kind: 'superiority' },
          verdict: 'inconclusive',
          tests: [
            {
              test: 'paired-t',
              estimate: 0.623,
              lo: -0.2,
              hi: 1.446,
              level: 0.95,
              seeds: 2,
              items: 0,
              pValue: 0.068,
            },
          ],
        },
      ],
      evidence: 'psnr 27.12 vs 26.5 | two seeds',
    },
  ],
};

/** A fake suite that counts its runs and records the context it got. */
function fakeSuite(
  name: string,
  behaviour: (ctx: SuiteContext) => Promise<unknown> = async () => RESULT,
): Suite & { runs: number; contexts: SuiteContext[] } {
  const suite = {
    name,
    description: `the ${name} suite`,
    runs: 0,
    contexts: [] as SuiteContext[],
    async run(ctx: SuiteContext): Promise<SuiteResult> {
      suite.runs++;
      suite.contexts.push(ctx);
      const p = ctx.progress('train', 20);
      for (let i = 0; i < 20; i++) p.tick(1, { loss: 1 / (i + 1) });
      p.done();
      return (await behaviour(ctx)) as SuiteResult;
    },
  };
  return suite;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(
  suites: Suite[],
  argv: string[],
  signals = new EventEmitter(),
  reportsDir?: string,
): Promise<Run> {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream();
  const code = await createProgram(suites, { io: { stdout, stderr }, signals, tty: false, reportsDir }).run(
    argv,
  );
  return { code, stdout: stdout.text, stderr: stderr.text };
}

async function readJson(file: string): Promise<SuiteReport> {
  return JSON.parse(await fsp.readFile(file, 'utf8')) as SuiteReport;
}

let out: string;
beforeEach(async () => {
  out = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-bench-'));
});
afterEach(async () => {
  await fsp.rm(out, { recursive: true, force: true });
});

describe('moe-bench conventions', () => {
  it('prints --help on stdout with the commands, modes and exit codes, exit 0', async () => {
    const r = await cli([fakeSuite('fake')], ['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const text of [
      'Usage: moe-bench',
      'run [options] <suite...>',
      '--threads <n>',
      '--verbose',
      'Exit codes:',
    ]) {
      expect(r.stdout).toContain(text);
    }
    const run = await cli([fakeSuite('fake')], ['run', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--backend <name>');
  });

  it("prints the package's version", async () => {
    const { version } = JSON.parse(
      await fsp.readFile(path.join(__dirname, '..', 'package.json'), 'utf8'),
    ) as {
      version: string;
    };
    expect(await cli([], ['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('rejects an unknown option with exit 2 naming it, before running anything', async () => {
    const fake = fakeSuite('fake');
    const r = await cli([fake], ['run', 'fake', '--fulll']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^moe-bench: unknown option '--fulll'/);
    expect(fake.runs).toBe(0);
  });

  it('fails at start-up on a bad MOE_THREADS with one line naming it, the stack only with --verbose', async () => {
    const saved = process.env.MOE_THREADS;
    process.env.MOE_THREADS = 'many';
    try {
      const argv = ['run', 'fake', '--backend', 'wasm', '--out', out];
      const r = await cli([fakeSuite('fake')], argv);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('moe-bench: MOE_THREADS must be a positive integer, got "many"\n');
      const verbose = await cli([fakeSuite('fake')], [...argv, '--verbose']);
      expect(verbose.code).toBe(1);
      expect(verbose.stderr.split('\n')[0]).toBe(r.stderr.trimEnd());
      expect(verbose.stderr).toMatch(/\n\s+at /);
    } finally {
      if (saved === undefined) delete process.env.MOE_THREADS;
      else process.env.MOE_THREADS = saved;
    }
  });
});

describe('moe-bench list', () => {
  it('prints each suite name and description', async () => {
    const r = await cli([fakeSuite('fake'), fakeSuite('other-suite')], ['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('fake         the fake suite\nother-suite  the other-suite suite\n');
  });
});

describe('moe-bench run', () => {
  it('rejects a new result without per-seed values or with an old-style claim', async () => {
    const { perSeed: _perSeed, ...unpaired } = RESULT.rows[0];
    void _perSeed;
    const legacy = { id: 'x', paper: 'p', statement: 's', holds: true, evidence: '' };
    const old = fakeSuite('old', async () => ({ rows: [unpaired], claims: [legacy] }));
    const r = await cli([old], ['run', 'old', '--out', out, '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rows[0].perSeed: required in a new report');
    expect(r.stderr).toContain('claims[0].verdict: required in a new report');
    await expect(fsp.access(path.join(out, 'old.json'))).rejects.toThrow();
  });

  it('writes <suite>.json matching the contract and summary.md with the claims', async () => {
    const fake = fakeSuite('fake');
    const r = await cli([fake], ['run', 'fake', '--seeds', '2', '--out', out, '--backend', 'cpu']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(fake.contexts[0].seeds).toEqual([0, 1]);
    expect(fake.contexts[0].quick).toBe(false);

    const report = await readJson(path.join(out, 'fake.json'));
    expect(() => validateReport(report, 'fake.json')).not.toThrow();
    expect(report).toMatchObject({ suite: 'fake', quick: false, backend: 'cpu', threads: 1, seeds: [0, 1] });
    expect(Object.keys(report).slice(0, 7)).toEqual([
      'suite',
      'quick',
      'backend',
      'threads',
      'seeds',
      'startedAt',
      'durationS',
    ]);
    expect(new Date(report.startedAt).toISOString()).toBe(report.startedAt);
    expect(report.durationS).toBeGreaterThanOrEqual(0);
    expect(report.rows).toEqual(RESULT.rows);
    expect(report.claims).toEqual(RESULT.claims);

    const summary = await fsp.readFile(path.join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('MoFME has at most 28% of the parameters of the MoE');
    expect(summary).toContain('| ? inconclusive |');
    expect(summary).toContain('cpu, 1 thread');

    expect(r.stdout.split('\n')[0]).toBe('backend: cpu, 1 thread (@tensorflow/tfjs-backend-cpu)');
    expect(r.stdout).toContain('== fake (full, seeds 0,1, cpu x1,');
    expect(r.stdout).toContain('✓ holds');
    expect(r.stdout).toContain(`summary: ${path.join(out, 'summary.md')}`);
    // plain progress: at most one line per tenth plus the end line
    expect(r.stderr.match(/^fake: train: /gm)?.length).toBeLessThanOrEqual(10);
    expect(r.stderr).toMatch(/^fake: train: done 20\/20 in /m);
  });

  it("writes the summary of the suite's recorded timings as the report's timing, and none when nothing was timed", async () => {
    const timed = fakeSuite('timed', async (ctx) => {
      ctx.timing.add({ idle: true, loadavg: 0.4, reps: 5 });
      ctx.timing.add({ idle: false, loadavg: 3.1, reps: 7 });
      return RESULT;
    });
    const untimed = fakeSuite('untimed');
    const r = await cli([timed, untimed], ['run', 'timed', 'untimed', '--out', out, '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect((await readJson(path.join(out, 'timed.json'))).timing).toEqual({
      idle: false,
      loadavg: 3.1,
      reps: 5,
    });
    expect((await readJson(path.join(out, 'untimed.json'))).timing).toBeUndefined();
  });
  it('rejects a malformed suite result naming the field, and writes no report', async () => {
    const bad = fakeSuite('bad', async () => ({
      rows: [{ ...RESULT.rows[0], model: undefined }],
      claims: [{ ...RESULT.claims[0], extra: 1 }],
    }));
    const r = await cli([bad], ['run', 'bad', '--out', out, '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('suite "bad" returned an invalid result');
    expect(r.stderr).toContain('rows[0].model');
    expect(r.stderr).toContain('claims[0].extra');
    await expect(fsp.access(path.join(out, 'bad.json'))).rejects.toThrow();
  });

  it('exits 2 on an unknown suite, listing the known names', async () => {
    const r = await cli([fakeSuite('fake'), fakeSuite('other')], ['run', 'nope', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown suite "nope"; known suites: fake, other');
  });

  it.each(['0', '-1', '1.5', 'abc'])('rejects --seeds %s naming the flag', async (seeds) => {
    const fake = fakeSuite('fake');
    const r = await cli([fake], ['run', 'fake', '--seeds', seeds, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--seeds');
    expect(fake.runs).toBe(0);
  });

  it('rejects an unknown --backend naming the flag', async () => {
    const r = await cli([fakeSuite('fake')], ['run', 'fake', '--backend', 'gpu', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--backend');
  });

  it('--resume skips a suite whose report has the same mode and seed count', async () => {
    const fake = fakeSuite('fake');
    const argv = ['run', 'fake', '--quick', '--out', out, '--backend', 'cpu'];
    expect((await cli([fake], argv)).code).toBe(0);
    expect(fake.runs).toBe(1);

    const resumed = await cli([fake], [...argv, '--resume']);
    expect(resumed.code).toBe(0);
    expect(fake.runs).toBe(1);
    expect(resumed.stderr).toContain('fake: skipped (--resume)');
    expect(resumed.stdout).toContain('== fake (quick (verdicts indicative), seeds 0,');

    // a different seed count is not the same run
    expect((await cli([fake], [...argv, '--resume', '--seeds', '2'])).code).toBe(0);
    expect(fake.runs).toBe(2);
  });

  it('keeps running after a throwing suite and exits 1', async () => {
    const boom = fakeSuite('boom', async () => {
      throw new Error('kaboom');
    });
    const fake = fakeSuite('fake');
    const r = await cli([boom, fake], ['run', 'boom', 'fake', '--out', out, '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('suite "boom" failed: kaboom');
    expect(r.stderr).toContain('1 suite(s) failed: boom');
    expect(fake.runs).toBe(1);
    expect((await readJson(path.join(out, 'fake.json'))).suite).toBe('fake');
  });

  it('starts every suite from the same random stream, whatever ran before it', async () => {
    const firstDraws: number[] = [];
    const drawing = (name: string) =>
      fakeSuite(name, async () => {
        firstDraws.push(random());
        for (let i = 0; i < 17; i++) random();
        return RESULT;
      });
    const argv = (...names: string[]) => ['run', ...names, '--out', out, '--backend', 'cpu'];
    expect((await cli([drawing('a'), drawing('b')], argv('a', 'b'))).code).toBe(0);
    setSeed(12345);
    expect((await cli([drawing('b')], argv('b'))).code).toBe(0);
    expect(firstDraws).toHaveLength(3);
    expect(new Set(firstDraws).size).toBe(1);
  });

  it('summary.md covers every report in the output directory', async () => {
    await cli([fakeSuite('first')], ['run', 'first', '--out', out, '--backend', 'cpu']);
    await cli([fakeSuite('second')], ['run', 'second', '--out', out, '--backend', 'cpu']);
    const summary = await fsp.readFile(path.join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('## first');
    expect(summary).toContain('## second');
  });
});

describe('moe-bench without a command, and perf', () => {
  it('runs every suite in quick mode with one seed', async () => {
    const a = fakeSuite('a');
    const b = fakeSuite('b');
    const r = await cli([a, b], ['--out', out, '--backend', 'cpu']);
    expect(r.code).toBe(0);
    for (const s of [a, b]) {
      expect(s.contexts[0]).toMatchObject({ quick: true, seeds: [0] });
      expect(await readJson(path.join(out, `${s.name}.json`))).toMatchObject({ quick: true, seeds: [0] });
    }
  });

  it('skips opt-in suites (defaultRun: false), which run by name and are marked in list', async () => {
    const a = fakeSuite('a');
    const optIn = { ...fakeSuite('opt-in'), defaultRun: false };
    const r = await cli([a, optIn], ['--out', out, '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect(a.runs).toBe(1);
    await expect(fsp.access(path.join(out, 'opt-in.json'))).rejects.toThrow();
    const named = fakeSuite('opt-in');
    const byName = await cli(
      [a, { ...named, defaultRun: false }],
      ['run', 'opt-in', '--out', out, '--backend', 'cpu'],
    );
    expect(byName.code).toBe(0);
    expect(await readJson(path.join(out, 'opt-in.json'))).toMatchObject({ suite: 'opt-in' });
    const list = await cli([a, optIn], ['list']);
    expect(list.stdout).toBe('a       the a suite\nopt-in  the opt-in suite [not in the default run]\n');
  });

  it('--seeds N without a command runs full mode with N seeds', async () => {
    const a = fakeSuite('a');
    const r = await cli([a], ['--seeds', '3', '--out', out, '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect(a.contexts[0]).toMatchObject({ quick: false, seeds: [0, 1, 2] });
  });

  it('perf is run perf with the same flags', async () => {
    const perf = fakeSuite('perf');
    const r = await cli(
      [fakeSuite('core'), perf],
      ['perf', '--quick', '--seeds', '2', '--out', out, '--backend', 'cpu'],
    );
    expect(r.code).toBe(0);
    expect(perf.contexts[0]).toMatchObject({ quick: true, seeds: [0, 1] });
    expect(await readJson(path.join(out, 'perf.json'))).toMatchObject({ suite: 'perf', quick: true });
  });
});

describe('modes and report folders', () => {
  const run = (suites: Suite[], argv: string[]) => cli(suites, argv, new EventEmitter(), out);

  it('run without flags is quick with one seed, like bare moe-bench, into the reports folder', async () => {
    const fake = fakeSuite('fake');
    const r = await run([fake], ['run', 'fake', '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect(fake.contexts[0]).toMatchObject({ quick: true, seeds: [0] });
    expect(await readJson(path.join(out, 'fake.json'))).toMatchObject({ quick: true, seeds: [0] });
    await expect(fsp.access(path.join(out, 'full'))).rejects.toThrow();
  });

  it('perf without flags is quick too', async () => {
    const perf = fakeSuite('perf');
    expect((await run([perf], ['perf', '--backend', 'cpu'])).code).toBe(0);
    expect(perf.contexts[0]).toMatchObject({ quick: true, seeds: [0] });
  });

  it('--full runs 3 seeds into reports/full, leaving the quick report alone', async () => {
    const fake = fakeSuite('fake');
    expect((await run([fake], ['run', 'fake', '--backend', 'cpu'])).code).toBe(0);
    const r = await run([fake], ['run', 'fake', '--full', '--backend', 'cpu']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(fake.contexts[1]).toMatchObject({ quick: false, seeds: [0, 1, 2] });
    const full = path.join(out, 'full');
    expect(await readJson(path.join(full, 'fake.json'))).toMatchObject({ quick: false, seeds: [0, 1, 2] });
    expect(r.stdout).toContain(`reports: ${full} (fake.json)`);
    expect(await readJson(path.join(out, 'fake.json'))).toMatchObject({ quick: true, seeds: [0] });
  });

  it('--seeds 5 runs full mode with 5 seeds into reports/full', async () => {
    const fake = fakeSuite('fake');
    expect((await run([fake], ['run', 'fake', '--seeds', '5', '--backend', 'cpu'])).code).toBe(0);
    expect(fake.contexts[0]).toMatchObject({ quick: false, seeds: [0, 1, 2, 3, 4] });
    expect(await readJson(path.join(out, 'full', 'fake.json'))).toMatchObject({ quick: false });
  });

  it('bare --seeds N also writes reports/full', async () => {
    const a = fakeSuite('a');
    expect((await run([a], ['--seeds', '2', '--backend', 'cpu'])).code).toBe(0);
    expect(await readJson(path.join(out, 'full', 'a.json'))).toMatchObject({ quick: false, seeds: [0, 1] });
  });

  it('--tiny is quick with tiny sizes into reports/tiny, and cannot be combined with --full', async () => {
    const perf = fakeSuite('perf');
    const r = await run([perf], ['perf', '--tiny', '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect(perf.contexts[0]).toMatchObject({ quick: true, tiny: true, seeds: [0] });
    expect(await readJson(path.join(out, 'tiny', 'perf.json'))).toMatchObject({ quick: true });
    await expect(fsp.access(path.join(out, 'perf.json'))).rejects.toThrow();
    expect((await run([perf], ['perf', '--backend', 'cpu'])).code).toBe(0);
    expect(perf.contexts[1]).toMatchObject({ quick: true, tiny: false });
    const both = await run([perf], ['perf', '--tiny', '--full']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--tiny and --full');
  });

  it('rejects --quick with --full', async () => {
    const fake = fakeSuite('fake');
    const r = await run([fake], ['run', 'fake', '--quick', '--full']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--quick and --full');
    expect(fake.runs).toBe(0);
  });

  it('refuses a quick run into reports/full before running, unless --force', async () => {
    const fake = fakeSuite('fake');
    const full = path.join(out, 'full');
    const r = await run([fake], ['run', 'fake', '--out', full, '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`refusing to write quick-mode reports into ${full}`);
    expect(fake.runs).toBe(0);
    expect(r.stdout).toBe('');

    expect((await run([fake], ['run', 'fake', '--out', full, '--force', '--backend', 'cpu'])).code).toBe(0);
    expect(await readJson(path.join(full, 'fake.json'))).toMatchObject({ quick: true });
  });

  it('refuses a quick run over a full-mode report in --out, unless --force', async () => {
    const fake = fakeSuite('fake');
    const other = fakeSuite('other');
    const dir = path.join(out, 'elsewhere');
    expect((await run([fake], ['run', 'fake', '--full', '--out', dir, '--backend', 'cpu'])).code).toBe(0);
    const before = await fsp.readFile(path.join(dir, 'fake.json'), 'utf8');

    const r = await run([fake, other], ['run', 'other', 'fake', '--out', dir, '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`refusing to overwrite full-mode report fake.json in ${dir} with a quick run`);
    expect(r.stderr).toContain('--force');
    expect(fake.runs).toBe(1);
    expect(other.runs).toBe(0);
    expect(await fsp.readFile(path.join(dir, 'fake.json'), 'utf8')).toBe(before);

    // a suite with no report there is fine
    expect((await run([other], ['run', 'other', '--out', dir, '--backend', 'cpu'])).code).toBe(0);

    const forced = await run([fake], ['run', 'fake', '--out', dir, '--force', '--backend', 'cpu']);
    expect(forced.code).toBe(0);
    expect(await readJson(path.join(dir, 'fake.json'))).toMatchObject({ quick: true, seeds: [0] });
  });

  it('refuses a full run over a quick-mode report in --out, unless --force', async () => {
    const fake = fakeSuite('fake');
    expect((await run([fake], ['run', 'fake', '--backend', 'cpu'])).code).toBe(0);
    const r = await run([fake], ['run', 'fake', '--full', '--out', out, '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`refusing to overwrite quick-mode report fake.json in ${out} with a full run`);
    expect(fake.runs).toBe(1);
    const forced = await run([fake], ['run', 'fake', '--full', '--out', out, '--force', '--backend', 'cpu']);
    expect(forced.code).toBe(0);
    expect(await readJson(path.join(out, 'fake.json'))).toMatchObject({ quick: false });
  });

  it('fails naming --out when it cannot be written, before running', async () => {
    const fake = fakeSuite('fake');
    const file = path.join(out, 'a-file');
    await fsp.writeFile(file, 'x');
    for (const dir of [file, path.join(file, 'sub')]) {
      const r = await run([fake], ['run', 'fake', '--out', dir, '--backend', 'cpu']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`cannot write to the report folder ${dir}`);
      expect(r.stdout).toBe('');
    }
    expect(fake.runs).toBe(0);
  });

  it('creates a missing --out', async () => {
    const dir = path.join(out, 'new', 'nested');
    expect((await run([fakeSuite('fake')], ['run', 'fake', '--out', dir, '--backend', 'cpu'])).code).toBe(0);
    expect(await readJson(path.join(dir, 'fake.json'))).toMatchObject({ quick: true });
  });

  it('documents the modes and folders in --help', async () => {
    const r = await run([], ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--full');
    expect(r.stdout).toContain('--force');
    expect(r.stdout).toContain(
      'moe-bench run core --full      one suite, full mode, seeds 0,1,2, into reports/full/',
    );
  });
});

describe('SIGINT', () => {
  it('exits 130 naming the completed suites, whose reports are on disk', async () => {
    const signals = new EventEmitter();
    const hang = fakeSuite('hang', () => {
      setImmediate(() => signals.emit('SIGINT'));
      return new Promise<never>(() => {});
    });
    const r = await cli([fakeSuite('done'), hang], ['--out', out, '--backend', 'cpu'], signals);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted while running "hang"');
    expect(r.stderr).toContain('completed: done');
    expect(r.stderr).toContain('--resume');
    expect((await readJson(path.join(out, 'done.json'))).suite).toBe('done');
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });
});

const FIXED: SuiteReport = {
  suite: 'restoration',
  quick: true,
  backend: 'wasm',
  threads: 2,
  seeds: [0, 1],
  startedAt: '2025-01-02T03:04:05.000Z',
  durationS: 75.5,
  ...RESULT,
  notes: ['tiny data'],
};

const MACHINE: MachineInfo = {
  date: '2025-01-02T04:00:00.000Z',
  cpuModel: 'Test CPU 3000',
  cpuCount: 8,
  memoryBytes: 16 * 2 ** 30,
  platform: 'linux x64',
  node: 'v20.0.0',
};

describe('renderSummary', () => {
  it('renders the machine, backend, rows and claims as Markdown', () => {
    const md = renderSummary([FIXED], MACHINE);
    expect(md).toBe(
      [
        '# moe-bench summary',
        '',
        '- Date: 2025-01-02T04:00:00.000Z',
        '- Machine: Test CPU 3000, 8 CPUs, 16.0 GiB memory (linux x64, Node v20.0.0)',
        '- Backend: wasm, 2 threads',
        '- Suites: restoration',
        '',
        '## restoration',
        '',
        'quick (verdicts indicative), seeds 0,1, wasm x2, 1m16s; started 2025-01-02T03:04:05.000Z.',
        '',
        '| model | variant | task | params total | params active | FLOPs/sample | psnr | ssim | latency ms/batch | train s |',
        '|---|---|---|---|---|---|---|---|---|---|',
        '| mofme | linear-fm | allweather | 1.23M | 300K | 4.56M | 27.12±0.25 | 0.8812 | 12.5 | 3.2 |',
        '| dense | baseline | allweather | 2M | 2M | 9M | 26.5 | 0.87 | 20 | 4 |',
        '',
        '### Claims',
        '',
        '| claim | paper | verdict | difference [95% interval], test, seeds x items | evidence |',
        '|---|---|---|---|---|',
        '| mofme-fewer-params: MoFME has at most 28% of the parameters of the MoE | MoFME | ✓ holds | params: mofme / moe <= 0.28: holds (exact 0.15) | 300K vs 2M active params |',
        '| mofme-better: MoFME restores better than dense | MoFME | ? inconclusive | psnr: linear-fm - baseline > 0: inconclusive (paired t over seeds +0.623 [-0.2, +1.446], 2 seeds, p = 0.068) | psnr 27.12 vs 26.5 \\| two seeds |',
        '',
        '### Notes',
        '',
        '- tiny data',
        '',
      ].join('\n'),
    );
  });
});

describe('renderLeaderboard', () => {
  it('renders aligned columns and the claims, without colour codes by default', () => {
    expect(renderLeaderboard([FIXED])).toBe(
      [
        '== restoration (quick (verdicts indicative), seeds 0,1, wasm x2, 1m16s) ==',
        'model  variant    task        params tot/act  FLOPs/sample        psnr    ssim  ms/batch',
        '-----  ---------  ----------  --------------  ------------  ----------  ------  --------',
        'mofme  linear-fm  allweather      1.23M/300K         4.56M  27.12±0.25  0.8812      12.5',
        'dense  baseline   allweather           2M/2M            9M        26.5    0.87        20',
        '',
        'claims:',
        '  ✓ holds         mofme-fewer-params (MoFME): MoFME has at most 28% of the parameters of the MoE',
        '                  params: mofme / moe <= 0.28: holds (exact 0.15)',
        '                  evidence: 300K vs 2M active params',
        '  ? inconclusive  mofme-better (MoFME): MoFME restores better than dense',
        '                  psnr: linear-fm - baseline > 0: inconclusive (paired t over seeds +0.623 [-0.2, +1.446], 2 seeds, p = 0.068)',
        '                  evidence: psnr 27.12 vs 26.5 | two seeds',
        '',
        'note: tiny data',
        '',
      ].join('\n'),
    );
  });

  it('colours verdicts only when asked', () => {
    const colored = renderLeaderboard([FIXED], { color: true });
    expect(colored).toContain('\x1b[32m✓ holds');
    expect(colored).toContain('\x1b[2m? inconclusive');
  });

  it('shows the suite-chosen main metrics and counts the hidden ones', () => {
    const text = renderLeaderboard([{ ...FIXED, mainMetrics: ['ssim'] }]);
    expect(text.split('\n')[1]).toBe(
      'model  variant    task        params tot/act  FLOPs/sample    ssim  ms/batch',
    );
    expect(text).toContain('(+1 more metrics in restoration.json)');
  });
});

describe('formatCount', () => {
  it.each([
    [950, '950'],
    [1000, '1K'],
    [12_345, '12.3K'],
    [999_999, '1M'],
    [1_234_567, '1.23M'],
    [2e9, '2G'],
  ])('%d -> %s', (n, text) => {
    expect(formatCount(n)).toBe(text);
  });
});

describe('LineReporter', () => {
  it('prints at most one line per tenth plus the end', () => {
    const stream = new MemoryStream();
    let t = 0;
    const reporter = new LineReporter({ stream, now: () => t });
    const h = reporter.progress('train', 100);
    for (let i = 0; i < 100; i++) {
      t += 100;
      h.tick(1, { loss: 0.5 });
    }
    h.done();
    h.done();
    const lines = stream.text.trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('train: 10/100 (10%) elapsed 1.0s eta 9s | loss=0.5');
    expect(lines[9]).toBe('train: done 100/100 in 10.0s | loss=0.5');
  });
});
