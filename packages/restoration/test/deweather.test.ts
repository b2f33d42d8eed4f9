import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, labelPermutationTest, runCaptured } from '@moe-zoo/core';
import {
  cropToBox,
  evaluatePhotos,
  loadRestorationModel,
  makePhotoPairs,
  photoCropRows,
  RestorationNet,
  weatherInformation,
  weatherRoutingTest,
  WEATHER_TYPES,
} from '../src';
import { createTrainDeweatherCli } from '../src/train-cli';

const trainCli = (argv: string[]) => runCaptured(createTrainDeweatherCli, argv);

beforeAll(async () => {
  await initBackend();
});

describe('weather routing information', () => {
  // 8 patches, tasks 0..3 twice; E = 4.
  const tasks = Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3]);
  it('is 1 when every weather type has its own expert, 0 when routing ignores the weather', () => {
    const own = Array.from(tasks, (t) => [0, 1, 2, 3].map((e) => (e === t ? 128 : 0)));
    expect(weatherInformation(own, tasks)).toBeCloseTo(1, 12);
    const same = Array.from(tasks, () => [32, 32, 32, 32]);
    expect(weatherInformation(same, tasks)).toBe(0);
    expect(() => weatherInformation(own.slice(1), tasks)).toThrow(/7 patches of assignments but 8 task ids/);
  });

  it('matches I(weather; expert) / 2 on a hand-computed case', () => {
    // Rain and snow: experts 0/1 in 3:1; haze and mixed: 1:3. Marginal [0.5, 0.5]:
    // I = 0.75 log2(1.5) + 0.25 log2(0.5) bits, normalised by log2(4) = 2.
    const rows = Array.from(tasks, (t) => (t < 2 ? [96, 32, 0, 0] : [32, 96, 0, 0]));
    const i = 0.75 * Math.log2(1.5) + 0.25 * Math.log2(0.5);
    expect(weatherInformation(rows, tasks)).toBeCloseTo(i / 2, 12);
  });

  it('tests the observed information against weather-label shuffles', () => {
    const many = Int32Array.from({ length: 80 }, (_, i) => i % 4);
    const own = Array.from(many, (t) => [0, 1, 2, 3].map((e) => (e === t ? 128 : 0)));
    const t = weatherRoutingTest(own, many, 50, 3);
    expect(t.pValue).toBeCloseTo(1 / 51, 12);
    expect(t.nullMean).toBeLessThan(0.1);
    expect(t).toEqual(labelPermutationTest(Array.from(many), (l) => weatherInformation(own, l), 50, 3));
  });
});

describe('whole photos', () => {
  it('pairs every test photo with every weather type, deterministically, and scores restorations', async () => {
    const pairs = await makePhotoPairs({ downscaleFactor: 8 });
    expect(pairs.map((p) => p.weather)).toEqual([...WEATHER_TYPES, ...WEATHER_TYPES]);
    expect(pairs[0].clean.width).toBe(128);
    expect((await makePhotoPairs({ downscaleFactor: 8 }))[1].degraded.data).toEqual(pairs[1].degraded.data);
    expect((await makePhotoPairs({ downscaleFactor: 8, seed: 1 }))[1].degraded.data).not.toEqual(
      pairs[1].degraded.data,
    );
    // An untrained net (zero-initialised output conv) returns its input: output scores = input scores.
    const net = new RestorationNet({ dim: 16, heads: 2, channels: 8, ffn: { kind: 'dense', hidden: 32 } });
    const ev = await evaluatePhotos(net, pairs);
    expect(Object.keys(ev.byTask)).toEqual(['all', ...WEATHER_TYPES]);
    expect(ev.byTask.rain.n).toBe(2);
    for (const s of Object.values(ev.byTask)) {
      expect(s.psnr).toBeCloseTo(s.inputPsnr, 4);
      expect(s.psnr).toBeGreaterThan(5);
    }
    expect(ev.restored[0].width).toBe(pairs[0].clean.width);
    net.dispose();
  });

  it('crops to a box moved inside the photo, and lays crops out as degraded | columns | clean', async () => {
    const pairs = (await makePhotoPairs({ downscaleFactor: 8 })).slice(0, 2);
    const crop = cropToBox(pairs[0].clean, { x: 120, y: 50, width: 20, height: 10 });
    expect([crop.width, crop.height]).toEqual([20, 10]);
    expect(crop.data.slice(0, 3)).toEqual(
      pairs[0].clean.data.slice((50 * 128 + 108) * 3, (50 * 128 + 108) * 3 + 3),
    );
    const rows = photoCropRows(pairs, [pairs.map((p) => p.clean)], { x: 0, y: 0, width: 16, height: 8 });
    expect(rows).toHaveLength(2);
    expect(rows[0].map((im) => im.width)).toEqual([16, 16, 16]);
  });
});

describe('moe-train-deweather', () => {
  it('trains, saves a loadable net with its training record and photo crops, and names a bad flag', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'deweather-'));
    try {
      const flags = ['--out', out, '--patches', '64', '--epochs', '1', '--dim', '16', '--channels', '8'];
      const r = await trainCli([...flags, '--experts', '4', '--testPatches', '16', '--photoScale', '8']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^training \d+ parameters, 2 steps of 32 patches on /);
      const { model: net, config, extra } = await loadRestorationModel(out);
      expect(config.ffn).toMatchObject({ kind: 'mofme', mofme: { numExperts: 4, topK: 2 } });
      net.dispose();
      const record = extra.training as { steps: number; wholePhotos: object; command: string };
      expect(record.steps).toBe(2);
      expect(Object.keys(record.wholePhotos)).toEqual(['all', ...WEATHER_TYPES]);
      expect(record.command).toContain('--patches 64');
      expect(fs.existsSync(path.join(out, 'photo-crops.png'))).toBe(true);
      expect(fs.existsSync(path.join(out, 'checkpoint'))).toBe(false);
      const bad = await trainCli(['--out', out, '--epochs', 'many']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^moe-train-deweather: invalid moe-train-deweather options: epochs: /);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('follows the command-line conventions: help, version, unknown flags, a missing --out', async () => {
    const help = await trainCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--epochs <value>');
    expect(help.stdout).toContain('default 12');
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await trainCli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const unknown = await trainCli(['--out', 'x', '--epoch', '2']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--epoch'");
    const noOut = await trainCli(['--epochs', '2']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain("required option '--out <dir>' not specified");
  });
});
