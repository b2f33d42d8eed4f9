/**
 * Test helper, run as a child process by io-crash.test.ts: saves a checkpoint with the built
 * @moe-zoo/core and SIGKILLs itself right after step `killAt` of the save (0: never), so that
 * the test can check what a crash at that point leaves. Steps are the `onStep` reports of the
 * save plus one in the middle of every file's write. Prints the steps it went through as JSON.
 *
 * Job (JSON in argv[2]):
 * - `{ mode: 'save', dist, dir, killAt, state, optimizer? }`: saves the tensors of the
 *   safetensors files `state` (and `optimizer`) to `dir`;
 * - `{ mode: 'train', dist, dir, killAt, report }`: trains a Linear for two steps with a
 *   checkpoint every step, appends each step's weights (base64 of the model file's bytes) to
 *   `report` before they are saved, and counts steps during the second save only.
 */
const { appendFileSync, readFileSync } = require('fs');
const path = require('path');

const job = JSON.parse(process.argv[2]);
const core = require(job.dist);
const { tf } = core;

const steps = [];
let armed = job.mode === 'save';

function onStep(step) {
  if (!armed) return;
  steps.push(step);
  if (steps.length === job.killAt) process.kill(process.pid, 'SIGKILL');
}

/** Writes half the file, reports a step, then the rest: a crash mid-write. */
async function write(handle, data, target) {
  const half = data.length >> 1;
  await handle.write(data, 0, half);
  onStep(`half-wrote temp of ${path.basename(target)}`);
  await handle.write(data, half, data.length - half);
}

const atomic = { onStep, write };

function tensorsOf(file) {
  const { tensors } = core.decodeSafetensors(readFileSync(file), file);
  return Object.fromEntries(Object.entries(tensors).map(([name, d]) => [name, core.dataToTensor(d)]));
}

async function save() {
  await core.saveCheckpoint(job.dir, {
    model: 'crash-test',
    state: tensorsOf(job.state),
    ...(job.optimizer ? { files: { optimizer: tensorsOf(job.optimizer) } } : {}),
    atomic,
  });
}

async function train() {
  await core.initBackend(); // the backend the test resumes on, for bit-exact steps
  core.setSeed(11);
  const model = new core.Linear(3, 2);
  const x = [
    [1, 2, 3],
    [-1, 0.5, 2],
  ];
  const y = [
    [1, 0],
    [0, 1],
  ];
  const trainer = new core.Trainer({
    model,
    optimizer: new core.AdamW(model, { lr: 0.1 }),
    loss: (b, m) => ({ loss: tf.losses.meanSquaredError(b.y, m.forward(b.x)) }),
    data: { numBatches: () => 2, batch: () => ({ x: tf.tensor2d(x), y: tf.tensor2d(y) }) },
    epochs: 1,
    progress: false,
    checkpoint: { dir: job.dir, every: 1, model: 'crash-linear', atomic },
    callbacks: {
      onStep: async (rec) => {
        const bytes = core.encodeSafetensors(
          Object.fromEntries(Object.entries(model.stateDict()).map(([n, t]) => [n, core.tensorToData(t)])),
        );
        appendFileSync(
          job.report,
          `${JSON.stringify({ step: rec.step, model: bytes.toString('base64') })}\n`,
        );
        armed = rec.step === 2;
      },
    },
  });
  await trainer.fit();
}

(job.mode === 'train' ? train() : save()).then(
  () => process.stdout.write(JSON.stringify(steps)),
  (e) => {
    process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
    process.exit(1);
  },
);
