/**
 * Starts one backend for the backend checks and the parity report, which run as plain Node
 * processes (Jest cannot load the ESM-only `webgpu` package). Uses core's built dist.
 */
const { setTimeout: sleep } = require('timers/promises');
const core = require('../../dist');

const { tf } = core;

/** Reasons that mean "this machine has no usable WebGPU adapter", not a failure of ours. */
const NO_ADAPTER = /no WebGPU adapter|cannot be loaded|libvulkan|Couldn't load Vulkan|navigator\.gpu/i;

/**
 * Starts `name` (forced, so a software adapter is accepted). On webgpu, small ops stay on the GPU
 * (`WEBGPU_CPU_FORWARD` false: by default tensors under 1000 elements run on the CPU, which hides
 * GPU kernel bugs). Returns `{ info }`, or `{ unavailable }` when there is no WebGPU adapter.
 */
async function startBackend(name) {
  try {
    const info = await core.initBackend({ backend: name });
    if (name === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
    return { info };
  } catch (e) {
    const message = String((e && e.message) || e);
    if (name === 'webgpu' && NO_ADAPTER.test(message)) return { unavailable: message };
    throw e;
  }
}

/** Waits until the GPU queue has run what was submitted, so its errors have been reported. */
async function settle() {
  const t = tf.zeros([1]);
  await t.data();
  t.dispose();
  await sleep(0);
}

module.exports = { core, tf, startBackend, settle, sleep };
