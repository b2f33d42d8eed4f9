/**
 * Opens index.html in headless Chromium (Debian's `chromium`, installed by .ci/run) and checks
 * that it renders: no console or page errors, nothing loaded from outside the file, every chart
 * an SVG with marks, the picture grid loaded, and a screenshot that is not blank.
 */
import { execFile } from 'child_process';
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findChromium } from '@moe-zoo/browser-test';
import { PNG } from 'pngjs';
import { promisify } from 'util';
import { writeReport } from '../src/reports';
import { refreshSummary, type MachineInfo } from '../src/summary';
import { classifierReport, pictureGridPng, pictureReport } from './fixtures/reports';

const run = promisify(execFile);

interface PageCheck {
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
  failedRequests: string[];
  title: string;
  scripts: number;
  charts: {
    id: string;
    kind: string;
    svgs: number;
    marks: number;
    size: { width: number; height: number };
  }[];
  images: { figure: string | null; complete: boolean; naturalWidth: number; naturalHeight: number }[];
  claims: number;
  screenshot: string;
}

const MACHINE: MachineInfo = {
  date: '2025-03-04T06:00:00.000Z',
  cpuModel: 'Test CPU',
  cpuCount: 2,
  memoryBytes: 4 * 2 ** 30,
  platform: 'linux x64',
  node: 'v20.0.0',
};

let dir: string;
beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'moe-html-browser-'));
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('index.html in headless Chromium', () => {
  it('renders without errors: every chart, the picture grid, a non-blank screenshot', async () => {
    const chromium = findChromium('this test opens index.html in the system browser');
    // The report folder as a bench run leaves it: suite JSONs and figure PNGs, then summary + HTML.
    await writeReport(dir, classifierReport());
    await writeReport(dir, pictureReport());
    await fsp.writeFile(path.join(dir, 'pictures-picture-grid.png'), pictureGridPng());
    const { skipped, warnings, html: htmlFile } = await refreshSummary(dir, MACHINE);
    expect(skipped).toEqual([]);
    expect(warnings).toEqual([]);
    const html = path.join(dir, 'index.html');
    expect(htmlFile).toBe(html);
    const shot = path.join(dir, 'screenshot.png');

    const script = path.join(__dirname, 'browser', 'check-page.js');
    const { stdout } = await run(process.execPath, [script, chromium, html, shot], { timeout: 90_000 });
    const page = JSON.parse(stdout) as PageCheck;

    expect(page.consoleErrors).toEqual([]);
    expect(page.pageErrors).toEqual([]);
    expect(page.requests).toEqual([]);
    expect(page.failedRequests).toEqual([]);
    expect(page.scripts).toBe(0);
    expect(page.title).toBe('moe-bench report');
    expect(page.claims).toBe(6); // 3 claims in the overview and again with their suites

    // Suites in name order: pictures, toy. Minimum marks: one per point, line or heatmap cell.
    const expected: [string, number][] = [
      ['pictures-quality', 2],
      ['pictures-latency', 2],
      ['toy-quality', 3],
      ['toy-latency', 3],
      ['toy-balance', 2],
      ['toy-load-toy-moe-aux-1e-2', 16],
      ['toy-load-toy-moe-loss-free', 16],
    ];
    expect(page.charts.map((c) => c.id)).toEqual(expected.map(([id]) => id));
    for (const [id, marks] of expected) {
      const chart = page.charts.find((c) => c.id === id)!;
      expect({ id, svgs: chart.svgs }).toEqual({ id, svgs: 1 });
      expect(chart.marks).toBeGreaterThanOrEqual(marks);
      expect(chart.size.width).toBeGreaterThan(150);
      expect(chart.size.height).toBeGreaterThan(60);
    }

    expect(page.images).toEqual([
      {
        figure: 'pictures-picture-grid',
        complete: true,
        naturalWidth: 144,
        naturalHeight: 96,
        size: expect.anything(),
      },
    ]);

    // The screenshot is not blank: many distinct shades, real variance, a good share of ink.
    const png = PNG.sync.read(await fsp.readFile(shot));
    expect(png.width).toBeGreaterThanOrEqual(1280);
    expect(png.height).toBeGreaterThan(900);
    const n = png.width * png.height;
    let sum = 0;
    let sumSq = 0;
    let ink = 0;
    const shades = new Set<number>();
    for (let i = 0; i < n; i++) {
      const [r, g, b] = [png.data[4 * i], png.data[4 * i + 1], png.data[4 * i + 2]];
      const y = 0.299 * r + 0.587 * g + 0.114 * b;
      sum += y;
      sumSq += y * y;
      if (y < 200) ink++;
      shades.add((r << 16) | (g << 8) | b);
    }
    const variance = sumSq / n - (sum / n) ** 2;
    expect(variance).toBeGreaterThan(200);
    expect(ink / n).toBeGreaterThan(0.03);
    expect(shades.size).toBeGreaterThan(100);
  });
});
