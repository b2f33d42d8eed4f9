#!/usr/bin/env node
/**
 * Opens an HTML file in headless Chromium (puppeteer-core, the system browser) and prints JSON:
 * console errors, page errors, blocked or failed requests, the charts (SVG marks) and images
 * found, and where the full-page screenshot went.
 *
 * Usage: node check-page.js <chromium> <page.html> <screenshot.png>
 *
 * A plain Node script rather than code inside the jest test because puppeteer-core is an ES
 * module, which jest's CommonJS runtime cannot load.
 */
const path = require('path');
const { pathToFileURL } = require('url');
/* global document */
const puppeteer = require('puppeteer-core');

async function main() {
  const [executablePath, htmlFile, screenshot] = process.argv.slice(2);
  if (!executablePath || !htmlFile || !screenshot) {
    throw new Error('usage: check-page.js <chromium> <page.html> <screenshot.png>');
  }
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const result = { consoleErrors: [], pageErrors: [], requests: [], failedRequests: [] };
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('console', (msg) => {
      if (msg.type() === 'error') result.consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => result.pageErrors.push(String(err && err.message ? err.message : err)));
    page.on('requestfailed', (req) => result.failedRequests.push(req.url().slice(0, 200)));
    await page.setRequestInterception(true);
    const pageUrl = pathToFileURL(path.resolve(htmlFile)).href;
    page.on('request', (req) => {
      const url = req.url();
      // The page itself and data: URIs are fine; anything else would not work offline.
      if (url === pageUrl || url.startsWith('data:')) {
        void req.continue();
      } else {
        result.requests.push(url.slice(0, 200));
        void req.abort();
      }
    });
    await page.goto(pageUrl, { waitUntil: 'load' });
    const info = await page.evaluate(() => {
      const box = (el) => {
        const r = el.getBoundingClientRect();
        return { width: Math.round(r.width), height: Math.round(r.height) };
      };
      return {
        title: document.title,
        scripts: document.scripts.length,
        charts: Array.from(document.querySelectorAll('figure.chart')).map((f) => {
          const svg = f.querySelector('svg');
          return {
            id: f.getAttribute('data-chart'),
            kind: f.getAttribute('data-kind'),
            svgs: f.querySelectorAll('svg').length,
            marks: svg ? svg.querySelectorAll('g.role-mark > *').length : 0,
            size: svg ? box(svg) : { width: 0, height: 0 },
          };
        }),
        images: Array.from(document.images).map((img) => ({
          figure: img.closest('figure') ? img.closest('figure').getAttribute('data-figure') : null,
          complete: img.complete,
          naturalWidth: img.naturalWidth,
          naturalHeight: img.naturalHeight,
          size: box(img),
        })),
        claims: document.querySelectorAll('.verdict').length,
        text: document.body.innerText.length,
      };
    });
    await page.screenshot({ path: screenshot, fullPage: true });
    Object.assign(result, info, { screenshot });
  } finally {
    await browser.close();
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
