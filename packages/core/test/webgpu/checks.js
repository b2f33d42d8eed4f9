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

/**
 * The routers with a host step: hash routing by host ids and the dense-to-sparse anneal read
 * nothing back; BASE routes on the device in evaluation, and in training reads its scores back
 * where the backend can (a balanced assignment) and is a SyncReadbackError where it cannot.
 */
async function hostStepRouters() {
  const sync = core.backendCapabilities().syncReadback;
  const x = tf.randomNormal([32, 8], 0, 1, 'float32', 21);
  const hash = new moe.HashRouter({ numExperts: 8, seed: 19376 });
  const ids = Int32Array.from({ length: 32 }, (_, i) => i % 16);
  const hashed = await read(hash.route(x, { tokenIds: ids }).assignment.indices);
  const byPosition = Array.from({ length: 8 }, (_, e) => hashed.slice(0, 16).filter((v) => v === e).length);
  expectEqual('hash experts per 16 positions (the balanced seed)', byPosition, [2, 2, 2, 2, 2, 2, 2, 2]);

  const gate = new moe.DenseToSparseRouter({ dim: 8, numExperts: 4, k: 1, annealSteps: 2 });
  const widths = [];
  for (let s = 0; s < 3; s++) {
    const a = gate.route(x).assignment;
    widths.push(a.indices.shape[1]);
    tf.dispose([a.indices, a.weights]);
    gate.afterStep();
  }
  expectEqual('dense-to-sparse experts per token by step', widths, [4, 4, 1]);
  expectEqual('dense-to-sparse step buffer', await read(gate.step), [3]);

  core.setSeed(5);
  const base = new moe.BalancedRouter({ dim: 8, numExperts: 4 });
  base.eval();
  const top1 = await read(base.route(x).assignment.indices);
  const best = await read(tf.argMax(tf.matMul(x, base.weight), 1));
  expectEqual('BASE evaluation: top-1 of the scores', top1, best);
  base.train();
  let training;
  try {
    const load = await read(moe.countAssignments(base.route(x).assignment.indices, 4));
    expectEqual('BASE training load', load, [8, 8, 8, 8]);
    training = 'balanced loads 8/8/8/8 in training';
  } catch (e) {
    if (sync || !(e instanceof core.SyncReadbackError)) throw e;
    training = 'training refused with a SyncReadbackError (no syncReadback)';
  }
  if (!sync && training.startsWith('balanced')) throw new Error('BASE trained without syncReadback');
  tf.dispose(x);
  [hash, gate, base].forEach((r) => r.dispose());
  return `hash by host ids, dense-to-sparse anneal with no read; BASE: top-1 in evaluation, ${training}`;
}

/**
 * The compressed banks (mixed precision, entropy-coded ternary, nested bits) built from weights read
 * back with `await`: no synchronous read, and each serves close to the float bank it came from.
 */
async function compressedBanksBuildWithoutSyncReads() {
  core.setSeed(6);
  const bank = new moe.FfnExperts({ numExperts: 4, dim: 16, hidden: 24 });
  const weights = await core.ffnWeightsOfAsync(bank);
  const x = tf.randomNormal([8, 16], 0, 1, 'float32', 7);
  const float = await read(bank.forwardAll(x));
  const banks = {
    'int8 mixed precision': new core.MixedPrecisionExperts(bank, [8, 8, 8, 8], weights),
    'ternary, Huffman-coded': new core.EntropyCodedTernaryExperts(bank, {}, weights),
  };
  const details = [];
  for (const [name, b] of Object.entries(banks)) {
    const y = await read(b.forwardAll(x));
    const rel = maxRel(y, float);
    if (!(rel < (name.startsWith('int8') ? 0.05 : 1.5)))
      throw new Error(`${name}: off the float bank by ${rel}`);
    details.push(`${name} ${rel.toExponential(1)}`);
    b.dispose();
  }
  const nested = new core.NestedBitExperts(bank, [8, 4, 2], weights);
  const w8 = await read(nested.weightsAt(8, 1));
  expectClose('nested 8-bit w1', w8, Array.from(weights.w1), 0.02);
  nested.dispose();
  bank.dispose();
  tf.dispose(x);
  return `built from awaited weights; relative difference to the float bank: ${details.join(', ')}; nested 8-bit weights within 2%`;
}

/**
 * A model made on this backend runs on cpu and back (as the compression suite's cpu variant does):
 * initBackend reads every variable back first, so that tfjs can move them without a synchronous
 * read. Switches backends: the last check.
 */
async function modelMovesToCpuAndBack() {
  const from = tf.getBackend();
  core.setSeed(4);
  const model = mnistClassifier().eval();
  const values = Float32Array.from({ length: 3 * 16 * 49 }, (_, i) => Math.sin(i));
  const logits = async () => {
    const x = tf.tensor3d(values, [3, 16, 49]);
    const out = await read(model.forward(x).logits);
    tf.dispose(x);
    return out;
  };
  const here = await logits();
  await core.initBackend({ backend: 'cpu' });
  const onCpu = await logits();
  await core.initBackend({ backend: from });
  if (from === 'webgpu') tf.env().set('WEBGPU_CPU_FORWARD', false);
  const back = await logits();
  if (tf.getBackend() !== from) throw new Error(`back on ${tf.getBackend()}, not ${from}`);
  const rel = expectClose(`logits on cpu vs ${from}`, onCpu, here, 1e-4);
  expectClose(`logits back on ${from}`, back, here, 1e-6);
  model.dispose();
  return `${from} -> cpu -> ${from}: logits within ${rel.toExponential(1)} on cpu, the same back on ${from}`;
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
  'routers with a host step': hostStepRouters,
  'compressed banks build without synchronous reads': compressedBanksBuildWithoutSyncReads,
  // Last: it switches backends (and back).
  'a model moves to cpu and back': modelMovesToCpuAndBack,
};

module.exports = { CHECKS };
