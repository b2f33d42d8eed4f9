/**
 * Core's correctness checks with asynchronous reads only (`await t.data()`), so they run on
 * webgpu in Node, where synchronous reads do not exist: dispatch paths against the dense
 * reference, the device-side capacity plan against the host plan, gradients against finite
 * differences, balancing losses against plain-JS references, a small MoE learning MNIST with no
 * tensor growth per step, and a checkpoint round trip. Each check throws on failure.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { core, tf } = require('./start');
const moe = require('../../dist/moe');

const read = async (t) => Array.from(await t.data());

function maxRel(a, b) {
  let scale = 1e-6;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
}

function expectClose(what, a, b, tol) {
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} values, expected ${b.length}`);
  const rel = maxRel(a, b);
  if (!(rel <= tol)) throw new Error(`${what}: max relative difference ${rel.toExponential(2)} > ${tol}`);
  return rel;
}

function expectEqual(what, a, b) {
  if (JSON.stringify(a) !== JSON.stringify(b))
    throw new Error(`${what}: ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`);
}

const DISPATCH_CASES = [
  {
    name: 'ffn top-2',
    router: () => new moe.SoftmaxTopKRouter({ dim: 16, numExperts: 4, k: 2 }),
    bank: () => new moe.FfnExperts({ numExperts: 4, dim: 16, hidden: 24 }),
  },
  {
    name: 'swiglu top-1',
    router: () => new moe.SoftmaxTopKRouter({ dim: 16, numExperts: 6, k: 1 }),
    bank: () => new moe.SwiGluExperts({ numExperts: 6, dim: 16, hidden: 12 }),
  },
  {
    name: 'expert choice',
    router: () => new moe.ExpertChoiceRouter({ dim: 16, numExperts: 4, capacityFactor: 1.5 }),
    bank: () => new moe.FfnExperts({ numExperts: 4, dim: 16, hidden: 24 }),
  },
];

/** Loss, output, counts and gradients of one dispatch path, read back. */
async function runPath(kind, router, bank, x) {
  const params = [x, ...router.parameters(), ...bank.parameters()];
  const r = tf.randomNormal([x.shape[0], x.shape[1]], 0, 1, 'float32', 5);
  const { value, grads } = tf.variableGrads(() => {
    const out = moe.dispatch(kind, {
      x,
      assignment: router.route(x).assignment,
      experts: bank,
      capacityFactor: 100,
    });
    return tf.sum(tf.mul(out.y, r));
  }, params);
  const out = tf.tidy(() =>
    moe.dispatch(kind, { x, assignment: router.route(x).assignment, experts: bank, capacityFactor: 100 }),
  );
  const result = {
    value: (await value.data())[0],
    y: await read(out.y),
    counts: await read(out.counts),
    grads: await Promise.all(params.map((p) => read(grads[p.name]))),
  };
  tf.dispose([r, value, out.y, out.counts, out.dropped, ...Object.values(grads)]);
  return result;
}

async function dispatchPathsAgree() {
  const worst = [];
  for (const c of DISPATCH_CASES) {
    core.setSeed(7);
    const router = c.router();
    const bank = c.bank();
    const x = tf.variable(tf.randomNormal([37, 16], 0, 1, 'float32', 3));
    const dense = await runPath('dense', router, bank, x);
    let rel = 0;
    for (const kind of ['sorted', 'capacity']) {
      const other = await runPath(kind, router, bank, x);
      rel = Math.max(rel, expectClose(`${c.name} ${kind} y`, other.y, dense.y, 1e-4));
      expectClose(`${c.name} ${kind} loss`, [other.value], [dense.value], 1e-4);
      expectEqual(`${c.name} ${kind} counts`, other.counts, dense.counts);
      other.grads.forEach(
        (g, i) => (rel = Math.max(rel, expectClose(`${c.name} ${kind} grad ${i}`, g, dense.grads[i], 1e-4))),
      );
    }
    worst.push(`${c.name} ${rel.toExponential(1)}`);
    tf.dispose([x, ...router.parameters(), ...bank.parameters()]);
  }
  return `max rel diff to dense: ${worst.join(', ')}`;
}

async function capacityMatchesHostPlan() {
  core.setSeed(3);
  const router = new moe.SoftmaxTopKRouter({ dim: 16, numExperts: 4, k: 2 });
  const bank = new moe.FfnExperts({ numExperts: 4, dim: 16, hidden: 24 });
  const x = tf.randomNormal([37, 16], 0, 1, 'float32', 9);
  const { assignment } = router.route(x);
  const out = moe.dispatch('capacity', { x, assignment, experts: bank, capacityFactor: 0.5 });
  const cap = moe.expertCapacity(37, 2, 4, 0.5);
  const plan = moe.planTokenChoice(new Int32Array(await read(assignment.indices)), 37, 2, 4, cap);
  expectEqual('dropped', (await read(out.dropped))[0], plan.dropped);
  expectEqual('routed', await read(out.counts), plan.routed);
  // The same result through the dense reference with the dropped pairs' weights zeroed.
  const kept = tf.tensor2d(
    Array.from(plan.slotPos, (p) => (p < plan.kept ? 1 : 0)),
    [37, 2],
  );
  const masked = { kind: 'token', indices: assignment.indices, weights: tf.mul(assignment.weights, kept) };
  const ref = moe.dispatch('dense', { x, assignment: masked, experts: bank });
  const rel = expectClose('capacity y', await read(out.y), await read(ref.y), 1e-4);
  tf.dispose([x, kept, masked.weights, out.y, out.counts, out.dropped, ref.y, ref.counts, ref.dropped]);
  return `capacity ${cap}: ${plan.dropped} of 74 pairs dropped as on the host, y within ${rel.toExponential(1)}`;
}

async function gradientsMatchFiniteDifferences() {
  const parts = [];
  for (const dispatch of ['dense', 'sorted', 'capacity']) {
    core.setSeed(11);
    const layer = new core.MoELayer({
      dim: 6,
      hidden: 10,
      numExperts: 4,
      topK: 2,
      dispatch,
      capacityFactor: 4,
      losses: { aux: 0.1, z: 0.01 },
    });
    layer.eval();
    const x = tf.variable(tf.randomNormal([8, 6], 0, 1, 'float32', 1));
    const r = tf.randomNormal([8, 6], 0, 1, 'float32', 2);
    const lossOf = () => {
      const { y, aux } = layer.forward(x);
      return tf.addN([tf.sum(tf.mul(y, r)), ...Object.values(aux.losses)]);
    };
    const probe = async () => {
      const out = tf.tidy(() => {
        const { y, aux } = layer.forward(x);
        return [tf.addN([tf.sum(tf.mul(y, r)), ...Object.values(aux.losses)]), tf.clone(aux.indices)];
      });
      const [loss, route] = [(await out[0].data())[0], (await read(out[1])).join(',')];
      tf.dispose(out);
      return { loss, route };
    };
    const params = [x, ...layer.parameters()];
    const { value, grads } = tf.variableGrads(lossOf, params);
    const base = (await probe()).route;
    const eps = 1e-2;
    let checked = 0;
    let worst = 0;
    for (const v of params) {
      const g = await read(grads[v.name]);
      const values = new Float32Array(await v.data());
      for (let n = 0; n < 3; n++) {
        const i = (n * 7919 + 13) % values.length;
        const at = async (delta) => {
          const copy = values.slice();
          copy[i] += delta;
          v.assign(tf.tensor(copy, v.shape));
          return probe();
        };
        const plus = await at(eps);
        const minus = await at(-eps);
        v.assign(tf.tensor(values, v.shape));
        if (plus.route !== base || minus.route !== base) continue; // a routing flip is not differentiable
        const numeric = (plus.loss - minus.loss) / (2 * eps);
        const err = Math.abs(numeric - g[i]) / Math.max(1, Math.abs(numeric));
        if (!(err < 2e-2))
          throw new Error(`${dispatch} ${v.name}[${i}]: autodiff ${g[i]}, finite difference ${numeric}`);
        worst = Math.max(worst, err);
        checked++;
      }
    }
    if (checked < 12) throw new Error(`${dispatch}: only ${checked} coordinates checked`);
    parts.push(`${dispatch} ${checked} coords, worst ${worst.toExponential(1)}`);
    tf.dispose([x, r, value, ...Object.values(grads)]);
    layer.dispose();
  }
  return parts.join('; ');
}

function cv2(v) {
  const mean = v.reduce((s, a) => s + a, 0) / v.length;
  const variance = v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length;
  return variance / (mean * mean + 1e-10);
}

async function lossesMatchReferences() {
  const [t, e, k, seqLen] = [24, 4, 2, 6];
  const logits = tf.randomNormal([t, e], 0, 2, 'float32', 4);
  const probs = tf.softmax(logits);
  const indices = moe.topkIndices(probs, k);
  const top1 = tf.reshape(tf.slice(indices, [0, 0], [t, 1]), [t]);
  const gates = tf.mul(probs, 0.5);
  const counts = moe.countAssignments(indices, e);
  const got = {
    counts: await read(counts),
    switch: (await read(moe.switchAuxLoss(probs, counts)))[0],
    gshard: (await read(moe.gshardAuxLoss(probs, top1)))[0],
    z: (await read(moe.zLoss(logits)))[0],
    sequence: (await read(moe.sequenceAuxLoss(probs, indices, seqLen)))[0],
    importance: (await read(moe.importanceLoadLoss(gates, counts)))[0],
  };
  const [p, idx, lg] = [await read(probs), await read(indices), await read(logits)];
  const ref = { counts: new Array(e).fill(0) };
  idx.forEach((i) => ref.counts[i]++);
  const meanP = Array.from(
    { length: e },
    (_, j) => p.filter((_, n) => n % e === j).reduce((s, a) => s + a, 0) / t,
  );
  ref.switch = e * ref.counts.reduce((s, c, j) => s + (c / (t * k)) * meanP[j], 0);
  const ce = new Array(e).fill(0);
  for (let n = 0; n < t; n++) ce[idx[n * k]] += 1 / t;
  ref.gshard = (e * e * ce.reduce((s, c, j) => s + c * meanP[j], 0)) / e;
  ref.z = 0;
  for (let n = 0; n < t; n++) {
    const row = lg.slice(n * e, (n + 1) * e);
    const m = Math.max(...row);
    ref.z += (m + Math.log(row.reduce((s, a) => s + Math.exp(a - m), 0))) ** 2 / t;
  }
  ref.sequence = 0;
  for (let b = 0; b < t / seqLen; b++) {
    const f = new Array(e).fill(0);
    const pm = new Array(e).fill(0);
    for (let n = b * seqLen; n < (b + 1) * seqLen; n++) {
      for (let j = 0; j < k; j++) f[idx[n * k + j]] += 1 / (seqLen * k);
      for (let j = 0; j < e; j++) pm[j] += p[n * e + j] / seqLen;
    }
    ref.sequence += (e * f.reduce((s, a, j) => s + a * pm[j], 0)) / (t / seqLen);
  }
  const importance = Array.from({ length: e }, (_, j) => 0.5 * meanP[j] * t);
  ref.importance = cv2(importance) + cv2(ref.counts);
  expectEqual('countAssignments', got.counts, ref.counts);
  for (const name of ['switch', 'gshard', 'z', 'sequence', 'importance'])
    expectClose(`${name} loss`, [got[name]], [ref[name]], 1e-5);
  return Object.entries(got)
    .filter(([n]) => n !== 'counts')
    .map(([n, v]) => `${n} ${v.toFixed(4)}`)
    .join(', ');
}

/** Training steps of `model` with an async readback per step; returns losses and live-tensor counts. */
async function trainSteps(model, steps, batch, lossOf, lr = 3e-3) {
  const opt = new core.AdamW(model, { lr, weightDecay: 0 });
  const named = opt.namedParameters();
  const losses = [];
  const live = [];
  for (let s = 0; s < steps; s++) {
    const b = batch(s);
    const { value, grads } = tf.variableGrads(
      () => lossOf(model, b),
      named.map(([, v]) => v),
    );
    opt.step(Object.fromEntries(named.map(([n, v]) => [n, grads[v.name]])));
    losses.push((await value.data())[0]);
    tf.dispose([value, ...Object.values(grads), ...Object.values(b)]);
    live.push(tf.memory().numTensors);
  }
  opt.dispose?.();
  return { losses, live };
}

function moeLossOf(model, { x, y }) {
  const { logits, aux } = model.forward(x);
  const terms = aux.flatMap((a) => Object.values(a.losses));
  return tf.addN([tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), logits), ...terms]);
}

function mnistClassifier() {
  return new core.TokenClassifier({
    inputDim: 49,
    tokens: 16,
    dim: 32,
    heads: 2,
    depth: 1,
    numClasses: 10,
    ffn: { kind: 'moe', moe: { hidden: 32, numExperts: 4, topK: 2, dispatch: 'sorted' } },
  });
}

const shared = {};

async function smallMoeLearnsMnist() {
  const { loadImageDataset } = require('@moe-zoo/data');
  const train = loadImageDataset('mnist', { from: 0, perClass: 20 });
  const test = loadImageDataset('mnist', { from: 800, perClass: 20 });
  const batchSize = 40;
  const batchOf = (set, idx) => {
    const x = new Float32Array(idx.length * 784);
    const y = new Int32Array(idx.length);
    idx.forEach((j, i) => {
      x.set(set.images.subarray(j * 784, (j + 1) * 784), i * 784);
      y[i] = set.labels[j];
    });
    return { images: tf.tensor3d(x, [idx.length, 28, 28]), labels: tf.tensor1d(y, 'int32') };
  };
  core.setSeed(1);
  const model = mnistClassifier();
  const steps = Number(process.env.MNIST_STEPS ?? 40);
  const order = core.permutation(steps * batchSize, core.makeRng(5));
  const { losses, live } = await trainSteps(
    model,
    steps,
    (s) => {
      const idx = Array.from(order.subarray(s * batchSize, (s + 1) * batchSize), (j) => j % train.n);
      const { images, labels } = batchOf(train, idx);
      const x = core.imagePatches(images, 7);
      images.dispose();
      return { x, y: labels };
    },
    moeLossOf,
    Number(process.env.MNIST_LR ?? 1e-2),
  );
  model.eval();
  const { images, labels } = batchOf(
    test,
    Array.from({ length: test.n }, (_, i) => i),
  );
  const hits = tf.tidy(() =>
    tf.sum(
      tf.cast(tf.equal(tf.argMax(model.forward(core.imagePatches(images, 7)).logits, -1), labels), 'float32'),
    ),
  );
  const acc = (await hits.data())[0] / test.n;
  const probe = tf.tidy(() => model.forward(core.imagePatches(images, 7)));
  const routing = await core.routingMetricsAsync(probe.aux[0]);
  tf.dispose(probe);
  if (routing.load.length !== 4 || Math.abs(routing.load.reduce((a, b) => a + b, 0) - 1) > 1e-5)
    throw new Error(`routing metrics: ${JSON.stringify(routing)}`);
  tf.dispose([images, labels, hits]);
  const first = (losses[0] + losses[1] + losses[2]) / 3;
  const last = (losses[steps - 1] + losses[steps - 2] + losses[steps - 3]) / 3;
  if (!(last < first * 0.7)) throw new Error(`loss ${first.toFixed(3)} -> ${last.toFixed(3)}: not learning`);
  if (!(acc > 0.3)) throw new Error(`test accuracy ${acc} (chance 0.1)`);
  const growth = live.slice(1).map((n) => n - live[1]);
  if (growth.some((g) => g !== 0)) throw new Error(`live tensors per step: ${live.join(', ')}`);
  shared.trained = model;
  return (
    `${steps} steps: loss ${first.toFixed(3)} -> ${last.toFixed(3)}, test accuracy ${acc.toFixed(2)} ` +
    `(chance 0.10), live tensors flat at ${live[1]}, expert load ${routing.load.map((l) => l.toFixed(2)).join('/')}`
  );
}

async function noTensorGrowthPerStep() {
  const parts = [];
  for (const dispatch of ['dense', 'sorted', 'capacity']) {
    core.setSeed(2);
    const layer = new core.MoELayer({ dim: 8, hidden: 8, numExperts: 4, topK: 2, dispatch });
    const { live } = await trainSteps(
      layer,
      4,
      (s) => ({
        x: tf.randomNormal([20, 8], 0, 1, 'float32', s),
        r: tf.randomNormal([20, 8], 0, 1, 'float32', 99),
      }),
      (m, { x, r }) => {
        const { y, aux } = m.forward(x);
        return tf.addN([tf.sum(tf.mul(y, r)), ...Object.values(aux.losses)]);
      },
    );
    if (new Set(live.slice(1)).size !== 1)
      throw new Error(`${dispatch}: live tensors per step ${live.join(', ')}`);
    parts.push(`${dispatch} flat`);
    layer.dispose();
  }
  return parts.join(', ');
}

/** The library's own training loop (fitShuffled -> Trainer: guards, aux losses, routing metrics) on the device. */
async function trainerTrains() {
  core.setSeed(3);
  const model = mnistClassifier();
  const n = 48;
  const xs = tf.randomNormal([n, 16, 49], 0, 1, 'float32', 4);
  const ys = tf.tensor1d(
    Int32Array.from({ length: n }, (_, i) => i % 10),
    'int32',
  );
  const before = tf.memory().numTensors;
  const { history } = await core.fitShuffled({
    model,
    samples: n,
    epochs: 4,
    batchSize: 16,
    lr: 1e-2,
    seed: 0,
    progress: false,
    makeBatch: (idx) => {
      const i = tf.tensor1d(idx, 'int32');
      return { x: tf.gather(xs, i), y: tf.gather(ys, i), i };
    },
    loss: ({ x, y }, m) => {
      const { logits, aux } = m.forward(x);
      return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), logits), aux };
    },
  });
  const losses = history.steps.map((st) => st.loss);
  if (losses.length !== 12 || !losses.every(Number.isFinite)) throw new Error(`losses ${losses.join(', ')}`);
  const load = history.steps[0].routing?.load ?? [];
  if (load.length !== 4)
    throw new Error(`routing metrics per step: ${JSON.stringify(history.steps[0].routing)}`);
  if (!(losses[11] < losses[0])) throw new Error(`loss ${losses[0]} -> ${losses[11]}: not learning`);
  if (tf.memory().numTensors !== before)
    throw new Error(`${tf.memory().numTensors - before} tensors left behind`);
  tf.dispose([xs, ys]);
  model.dispose();
  return `12 Trainer steps (sorted dispatch, aux losses, guards on): loss ${losses[0].toFixed(3)} -> ${losses[11].toFixed(3)}, expert load ${load.map((l) => l.toFixed(2)).join('/')}`;
}

async function checkpointRoundTrip() {
  const model = shared.trained ?? mnistClassifier();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moe-zoo-webgpu-ckpt-'));
  try {
    await core.saveCheckpoint(dir, { model: 'webgpu-check', state: model.stateDict() });
    core.setSeed(99);
    const copy = mnistClassifier();
    await core.loadIntoModule(copy, dir, { expectModel: 'webgpu-check' });
    model.eval();
    copy.eval();
    const x = tf.randomNormal([3, 16, 49], 0, 1, 'float32', 8);
    const [a, b] = [model.forward(x).logits, copy.forward(x).logits];
    const rel = expectClose('logits after reload', await read(b), await read(a), 0);
    tf.dispose([x, a, b]);
    copy.dispose();
    return `saved and reloaded ${Object.keys(model.stateDict()).length} tensors, identical logits (${rel})`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** name -> check; each returns a detail string or throws. */
const CHECKS = {
  'dispatch paths agree with the dense reference': dispatchPathsAgree,
  'capacity dispatch drops like the host plan': capacityMatchesHostPlan,
  'gradients match finite differences': gradientsMatchFiniteDifferences,
  'balancing losses match references': lossesMatchReferences,
  'no tensor growth per training step': noTensorGrowthPerStep,
  'a small MoE learns MNIST': smallMoeLearnsMnist,
  'checkpoint round trip': checkpointRoundTrip,
  'the Trainer trains': trainerTrains,
};

module.exports = { CHECKS };
