/**
 * Every "bin" of the workspace is a small committed file, executable in git, that runs from a
 * fresh clone after `npm install && npm run build` and after an Nx cache restore (which writes
 * dist/ without execute bits): a bin pointing into dist/ would be skipped by npm at install time,
 * when dist/ does not exist yet.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../../..');

interface Manifest {
  name: string;
  version: string;
  bin?: Record<string, string>;
}

/** [package, bin name, bin file (absolute), version] of every workspace package's bins. */
function workspaceBins(): [string, string, string, string][] {
  const out: [string, string, string, string][] = [];
  for (const group of ['packages', 'apps', 'tools']) {
    for (const dir of fs.readdirSync(path.join(ROOT, group))) {
      const file = path.join(ROOT, group, dir, 'package.json');
      if (!fs.existsSync(file)) continue;
      const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
      for (const [name, target] of Object.entries(m.bin ?? {})) {
        out.push([m.name, name, path.join(ROOT, group, dir, target), m.version]);
      }
    }
  }
  return out;
}

function git(args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? '' };
}

const BINS = workspaceBins();
const inGit = git(['rev-parse', '--is-inside-work-tree']).stdout.trim() === 'true';

describe('workspace bins', () => {
  it('exist for every command line', () => {
    expect(BINS.map(([, name]) => name).sort()).toEqual([
      'moe-audio-classify',
      'moe-bench',
      'moe-restore',
      'moe-train-deweather',
      'spoken-digits',
    ]);
  });

  it.each(BINS)('%s: %s is an executable file outside dist/, tracked as 100755', (_pkg, _name, file) => {
    const rel = path.relative(ROOT, file);
    expect(rel).toMatch(/^(packages|apps|tools)\/[^/]+\/bin\/[^/]+\.js$/);
    expect(fs.statSync(file).mode & 0o111).toBe(0o111);
    expect(fs.readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    if (!inGit) return;
    expect(git(['check-ignore', '-q', rel]).status).toBe(1); // 1: not ignored
    const staged = git(['ls-files', '-s', '--', rel]).stdout;
    if (staged !== '') expect(staged.split(' ')[0]).toBe('100755');
  });

  it.each(BINS)('%s: %s --version prints the version', (_pkg, _name, file, version) => {
    const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });
});
