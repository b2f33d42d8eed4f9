import { EventEmitter } from 'events';
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { createProgram } from '../src/cli';
import { readAllReports, readReport } from '../src/reports';
import type { Claim, Suite, SuiteResult } from '../src/types';
import { classifierReport, pictureGridPng } from './fixtures/reports';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function cli(suites: Suite[], argv: string[], signals = new EventEmitter()) {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await createProgram(suites, { io: { stdout, stderr }, signals, tty: false }).run(argv);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function suiteReturning(name: string, result: () => unknown): Suite {
  return { name, description: name, run: async () => result() as SuiteResult };
}

/** A suite result with chart series and one figure. */
function withFigure(png: Uint8Array = pictureGridPng()): SuiteResult {
  const { rows, claims, series } = classifierReport();
  return {
    rows,
    claims: claims.filter((c): c is Claim => 'verdict' in c),
    series,
    figures: [{ name: 'picture-grid', title: 'degraded / restored / clean', png }],
  };
}

let out: string;
beforeEach(async () => {
  out = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-bench-files-'));
});
afterEach(async () => {
  await fsp.rm(out, { recursive: true, force: true });
});

describe('series and figures in the suite JSON', () => {
  it('writes each figure as <suite>-<name>.png, lists it in the JSON and keeps the series', async () => {
    const result = withFigure();
    const r = await cli(
      [suiteReturning('toy', () => result)],
      ['run', 'toy', '--out', out, '--backend', 'cpu'],
    );
    expect(r.stderr).not.toMatch(/error|could not/i);
    expect(r.code).toBe(0);
    const png = await fsp.readFile(path.join(out, 'toy-picture-grid.png'));
    expect(Buffer.compare(png, Buffer.from(result.figures![0].png))).toBe(0);
    const report = await readReport(path.join(out, 'toy.json'));
    expect(report.figures).toEqual([
      { name: 'picture-grid', title: 'degraded / restored / clean', file: 'toy-picture-grid.png' },
    ]);
    expect(report.series).toEqual(result.series);
    const json = JSON.parse(await fsp.readFile(path.join(out, 'toy.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(json)).not.toContain('"png"');
    const summary = await fsp.readFile(path.join(out, 'summary.md'), 'utf8');
    expect(summary).toContain('![degraded / restored / clean](toy-picture-grid.png)');
    const html = await fsp.readFile(path.join(out, 'index.html'), 'utf8');
    expect(html).toContain(`data:image/png;base64,${png.toString('base64')}`);
    expect(html).toContain('data-chart="toy-balance"');
  });

  it.each([
    [
      'not PNG bytes',
      { name: 'grid', title: 't', png: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]) },
      'figures[0].png',
    ],
    ['a path as name', { name: '../grid', title: 't', png: pictureGridPng() }, 'figures[0].name'],
    ['bytes as a plain array', { name: 'grid', title: 't', png: [137, 80] }, 'figures[0].png'],
  ])('rejects a figure with %s, naming the field, and writes nothing', async (_what, figure, field) => {
    const { rows, claims } = classifierReport();
    const bad = suiteReturning('bad', () => ({ rows, claims, figures: [figure] }));
    const r = await cli([bad], ['run', 'bad', '--out', out, '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('suite "bad" returned an invalid result');
    expect(r.stderr).toContain(field);
    expect((await fsp.readdir(out)).filter((f) => f.startsWith('bad'))).toEqual([]);
  });

  it('reports bad series and bad figures together', async () => {
    const result = withFigure(new Uint8Array(3));
    result.series!.balance![0].step = -1;
    const r = await cli(
      [suiteReturning('bad', () => result)],
      ['run', 'bad', '--out', out, '--backend', 'cpu'],
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('figures[0].png');
    expect(r.stderr).toContain('series.balance[0].step');
  });

  it('rejects duplicate figure names', async () => {
    const result = withFigure();
    result.figures!.push({ ...result.figures![0] });
    const r = await cli(
      [suiteReturning('dup', () => result)],
      ['run', 'dup', '--out', out, '--backend', 'cpu'],
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('figures[1].name: duplicate figure name "picture-grid"');
  });
});

describe('summary.md and index.html after every suite', () => {
  it('are on disk with the finished suites when a later suite is interrupted', async () => {
    const signals = new EventEmitter();
    const hang: Suite = {
      name: 'hang',
      description: 'never ends',
      run: () => {
        setImmediate(() => signals.emit('SIGINT'));
        return new Promise<never>(() => {});
      },
    };
    const r = await cli(
      [suiteReturning('toy', () => withFigure()), hang],
      ['--out', out, '--backend', 'cpu'],
      signals,
    );
    expect(r.code).toBe(130);
    expect(await fsp.readFile(path.join(out, 'summary.md'), 'utf8')).toContain('## toy');
    const html = await fsp.readFile(path.join(out, 'index.html'), 'utf8');
    expect(html).toContain('id="suite-toy"');
    expect(html).toContain('data-chart="toy-quality"');
  });
});

describe('reading every report of a folder', () => {
  it("leaves other tools' reports alone and names each broken suite report", async () => {
    await cli([suiteReturning('toy', () => withFigure())], ['--out', out, '--backend', 'cpu']);
    await fsp.writeFile(path.join(out, 'fuzz.json'), JSON.stringify({ seed: 1, results: [] }));
    await fsp.writeFile(path.join(out, 'broken.json'), JSON.stringify({ suite: 'broken', rows: 3 }));
    await fsp.writeFile(path.join(out, 'cut.json'), '{"suite": "cut", ');
    const { reports, skipped } = await readAllReports(out);
    expect(reports.map((r) => r.suite)).toEqual(['toy']);
    expect(skipped).toHaveLength(2);
    expect(skipped[0]).toContain('broken.json');
    expect(skipped[1]).toContain('cut.json: not valid JSON');
  });
});
