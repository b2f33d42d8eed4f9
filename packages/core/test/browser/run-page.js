#!/usr/bin/env node
/**
 * Opens the test page in headless Chromium (puppeteer-core, the system browser) once per backend
 * and prints JSON: per backend the page's result, or why it was skipped. WebGPU runs where
 * `navigator.gpu` gives an adapter (`--enable-unsafe-webgpu`: SwiftShader without a GPU).
 *
 * Usage: node run-page.js <chromium> <url> <steps> <backend>...
 *
 * A plain Node script because puppeteer-core is an ES module, which Jest's CommonJS runtime
 * cannot load.
 */
/* global navigator, window */
const puppeteer = require('puppeteer-core');

async function main() {
  const [executablePath, url, steps, ...backends] = process.argv.slice(2);
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu'],
  });
  const out = { results: {}, skipped: {}, failed: {}, errors: [] };
  try {
    for (const backend of backends) {
      const page = await browser.newPage();
      page.on('pageerror', (err) => out.errors.push(String(err && err.message ? err.message : err)));
      page.on('response', (res) => {
        if (res.status() >= 400) out.errors.push(`HTTP ${res.status()} ${res.url()}`);
      });
      page.on('console', (msg) => {
        if (msg.type() === 'error') out.errors.push(`console: ${msg.text()}`);
      });
      await page.goto(url, { waitUntil: 'load' });
      const ready = await page
        .waitForFunction(() => typeof window.moeBrowserTest === 'function', { timeout: 15_000 })
        .then(
          () => true,
          () => false,
        );
      if (!ready)
        throw new Error(`the page script did not load: ${out.errors.join(' | ') || 'no error reported'}`);
      const env = await page.evaluate(async () => {
        const isolated = window.crossOriginIsolated;
        if (!navigator.gpu) return { isolated, adapter: null, why: 'navigator.gpu is undefined' };
        const a = await navigator.gpu.requestAdapter();
        if (!a) return { isolated, adapter: null, why: 'navigator.gpu.requestAdapter() returned null' };
        const i = a.info || {};
        return {
          isolated,
          adapter: { vendor: i.vendor, architecture: i.architecture, device: i.description || i.device },
        };
      });
      if (backend === 'webgpu' && !env.adapter) {
        out.skipped[backend] = env.why;
      } else {
        try {
          const result = await page.evaluate((b, n) => window.moeBrowserTest(b, n), backend, Number(steps));
          out.results[backend] = { ...result, crossOriginIsolated: env.isolated, adapter: env.adapter };
        } catch (e) {
          out.failed[backend] = {
            error: String(e && e.stack ? e.stack : e).slice(0, 2000),
            adapter: env.adapter,
          };
        }
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
