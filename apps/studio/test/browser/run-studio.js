#!/usr/bin/env node
/**
 * Drives the served studio in headless Chromium (puppeteer-core, the system browser) like a user:
 * restores a bundled photo (cold), then the same photo in every weather (the first: warm),
 * classifies a bundled spoken digit, asks a question about a bundled digit image (typed into the
 * question field), reads the routing overlay's pixels, takes a full-page
 * screenshot, then restores and classifies files given as a user picks them. Prints JSON: the page's
 * `window.studio` reports, the overlay pixels (base64 RGBA per layer), timings and every error
 * the page showed (uncaught exceptions, console errors, failed requests).
 *
 * Usage: node run-studio.js <chromium> <url> <photo sample id> <digit sample id> <screenshot.png>
 *        <image file to drop> <WAV file to drop> <VQA image sample id> <question>
 *
 * A plain Node script because puppeteer-core is an ES module, which Jest's CommonJS runtime
 * cannot load.
 */
/* global window, document, btoa */
const puppeteer = require('puppeteer-core');

const STEP_TIMEOUT = 120_000;

/** Clicks a task's button and waits for its next report (or for the page to report an error). */
async function runTask(page, button, counter, runsBefore) {
  await page.click(button);
  await page.waitForFunction(
    (c, n) => window.studio && (window.studio[c] > n || window.studio.errors.length > 0),
    { timeout: STEP_TIMEOUT },
    counter,
    runsBefore,
  );
  const errors = await page.evaluate(() => window.studio.errors);
  if (errors.length > 0) throw new Error(`the page reported: ${errors.join(' | ')}`);
}

async function overlayPixels(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('canvas.overlay')].map((canvas) => {
      const ctx = canvas.getContext('2d');
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let binary = '';
      for (let i = 0; i < data.length; i += 8192)
        binary += String.fromCharCode(...data.subarray(i, i + 8192));
      return {
        layer: Number(canvas.dataset.layer),
        width: canvas.width,
        height: canvas.height,
        rgba: btoa(binary),
      };
    }),
  );
}

async function main() {
  const [executablePath, url, photo, digit, screenshot, droppedImage, droppedClip, vqaImage, question] =
    process.argv.slice(2);
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu'],
  });
  const errors = [];
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err && err.message ? err.message : err}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
    });
    page.on('response', (res) => {
      if (res.status() >= 400) errors.push(`HTTP ${res.status()} ${res.url()}`);
    });
    page.on('requestfailed', (req) => errors.push(`request failed: ${req.url()}`));
    const started = Date.now();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"], #backend[data-state="error"]', { timeout: 60_000 });
    const readyMs = Date.now() - started;

    await page.select('#restore-sample', photo);
    await runTask(page, '#restore-run', 'restoreRuns', 0);
    const cold = await page.evaluate(() => window.studio.restore);
    const overlays = await overlayPixels(page);
    // The same photo in every weather (the first, the same sample again: the warm run).
    await runTask(page, '#restore-all-weathers', 'restoreRuns', 4);
    const weatherRows = await page.$$eval('#weather-loads tr[data-weather]', (rows) =>
      rows.map((r) => r.dataset.weather),
    );

    await page.select('#digit-sample', digit);
    await runTask(page, '#digit-run', 'digitRuns', 0);

    await page.select('#vqa-sample', vqaImage);
    await page.$eval('#vqa-question', (input) => (input.value = ''));
    await page.type('#vqa-question', question);
    await runTask(page, '#vqa-run', 'vqaRuns', 0);
    const report = await page.evaluate(() => window.studio);
    await page.screenshot({ path: screenshot, fullPage: true });

    // Your own files, as a user picks them: an image to restore (no clean version) and a clip.
    const imageInput = await page.$('#restore-file');
    await imageInput.uploadFile(droppedImage);
    await page.waitForFunction(() => window.studio.restoreRuns > 5 || window.studio.errors.length > 0, {
      timeout: STEP_TIMEOUT,
    });
    const droppedRestore = await page.evaluate(() => window.studio.restore);
    const cleanHidden = await page.$eval('#clean-figure', (f) => f.hidden);
    const clipInput = await page.$('#digit-file');
    await clipInput.uploadFile(droppedClip);
    await page.waitForFunction(() => window.studio.digitRuns > 1 || window.studio.errors.length > 0, {
      timeout: STEP_TIMEOUT,
    });
    const droppedDigit = await page.evaluate(() => window.studio.digit);
    const lateErrors = await page.evaluate(() => window.studio.errors);
    process.stdout.write(
      JSON.stringify({
        readyMs,
        cold,
        weatherRows,
        report,
        overlays,
        dropped: { restore: { ...droppedRestore, layers: [] }, cleanHidden, digit: droppedDigit },
        errors: [...errors, ...lateErrors],
      }),
    );
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
