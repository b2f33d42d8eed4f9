/**
 * Runs core's correctness checks (./checks.js) on one backend in a plain Node process and prints
 * one JSON line, the last of stdout (Dawn may print validation messages there before it):
 * `{ backend, adapter, checks: [{ name, ok, ms, detail | error }], ms }`, or
 * `{ backend, unavailable }` when the machine has no WebGPU adapter. GPU validation errors
 * (uncaptured by tfjs: a WGSL kernel that does not compile gives silently wrong values) fail the
 * check during which they were reported.
 *
 *   node packages/core/test/webgpu/driver.js webgpu        # every check
 *   node packages/core/test/webgpu/driver.js wasm losses    # checks whose name contains "losses"
 */
const { core, tf, startBackend, settle, sleep } = require('./start');
const { CHECKS } = require('./checks');

/** Makes sure the error watch works: webgpu's int32 sum kernel does not compile (a known tfjs bug). */
async function gpuErrorsSurface() {
  const watch = core.watchGpuErrors();
  try {
    const t = tf.sum(tf.oneHot(tf.tensor2d([0, 2, 1, 0, 2, 1], [3, 2], 'int32'), 3), 1);
    await t.data();
    t.dispose();
    await settle();
    await sleep(50);
    try {
      watch.check();
    } catch (e) {
      if (e instanceof core.GpuValidationError) return 'the int32-sum shader error was caught';
      throw e;
    }
    throw new Error('a WGSL compilation error went unreported');
  } finally {
    watch.stop();
  }
}

/** In Node, a synchronous read on webgpu says what to do instead of "OffscreenCanvas is not defined". */
async function syncReadsExplainThemselves() {
  const t = tf.matMul(tf.ones([4, 4]), tf.ones([4, 4]));
  try {
    t.dataSync();
  } catch (e) {
    if (/no synchronous reads.*await tensor\.data\(\)/.test(e.message))
      return 'dataSync names `await tensor.data()`';
    throw e;
  } finally {
    t.dispose();
  }
  throw new Error('dataSync worked on webgpu in Node: the syncReadback capability is wrong');
}

/** Checks that only make sense on webgpu, run before the others. */
const WEBGPU_ONLY = {
  'GPU validation errors surface': gpuErrorsSurface,
  'synchronous reads explain themselves': syncReadsExplainThemselves,
};

async function main() {
  const [backend = 'webgpu', filter = ''] = process.argv.slice(2);
  const started = Date.now();
  const { info, unavailable } = await startBackend(backend);
  if (unavailable) return { backend, unavailable };
  const checks = Object.entries(CHECKS).filter(([name]) => name.includes(filter));
  const results = [];
  for (const [name, run] of Object.entries(backend === 'webgpu' && filter === '' ? WEBGPU_ONLY : {})) {
    const t0 = Date.now();
    try {
      const detail = await run();
      results.push({ name, ok: true, ms: Date.now() - t0, detail });
    } catch (e) {
      results.push({ name, ok: false, ms: Date.now() - t0, error: String((e && e.stack) || e) });
    }
  }
  for (const [name, run] of checks) {
    const t0 = Date.now();
    const watch = core.watchGpuErrors();
    try {
      const detail = await run();
      await settle();
      watch.check();
      results.push({ name, ok: true, ms: Date.now() - t0, detail });
    } catch (e) {
      results.push({ name, ok: false, ms: Date.now() - t0, error: String((e && e.stack) || e) });
    } finally {
      watch.stop();
    }
  }
  return {
    backend: info.name,
    description: core.describeBackend(info),
    adapter: info.adapter,
    checks: results,
    ms: Date.now() - started,
  };
}

// Exit explicitly (a GPU device may keep the event loop alive), once stdout is flushed.
main().then(
  (report) => process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0)),
  (e) => {
    process.stderr.write(`${(e && e.stack) || e}\n`);
    process.exit(1);
  },
);
