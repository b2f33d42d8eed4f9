/**
 * Backend parity report: the ops core's MoE layers use, forward and gradient, on webgpu against
 * wasm for the same weights and inputs (one process: tensors made on wasm move to webgpu), and
 * the routing-flip rate, the share of tokens whose top-k expert set differs between the two.
 * Writes `<out>/webgpu-parity.json` and `.md` (default out: the workspace's reports/).
 *
 *   node packages/core/test/webgpu/parity.js [--out DIR]
 */
const fs = require('fs');
const path = require('path');
const { core, tf, startBackend } = require('./start');
const moe = require('../../dist/moe');

const seeded = (shape, seed, scale = 1) => tf.randomNormal(shape, 0, scale, 'float32', seed);

/**
 * One case per op: `inputs` (float tensors, differentiated), `f` (inputs -> output). The gradient
 * is that of sum(f(inputs) · r) for a fixed random r.
 */
function opCases() {
  const routerCase = (kind) => {
    core.setSeed(21);
    const layer = new core.MoELayer({ dim: 32, hidden: 48, numExperts: 8, topK: 2, dispatch: kind });
    layer.eval();
    const params = layer.parameters();
    return {
      name: `MoELayer ${kind} (T=64, D=32, E=8, k=2)`,
      inputs: [seeded([64, 32], 31), ...params],
      f: (x) => layer.forward(x).y,
    };
  };
  const grouped = {
    w: seeded([4, 16, 24], 41, 0.25),
    b: seeded([4, 24], 42, 0.1),
  };
  return [
    {
      name: 'matMul [64,32]x[32,48]',
      inputs: [seeded([64, 32], 1), seeded([32, 48], 2)],
      f: (a, b) => tf.matMul(a, b),
    },
    {
      name: 'batchMatMul [4,16,32]x[4,32,24]',
      inputs: [seeded([4, 16, 32], 3), seeded([4, 32, 24], 4)],
      f: (a, b) => tf.matMul(a, b),
    },
    {
      name: 'fused matMul + bias',
      inputs: [seeded([64, 32], 5), seeded([32, 48], 6), seeded([48], 7)],
      f: (a, b, bias) => tf.fused.matMul({ a, b, bias }),
    },
    {
      name: 'groupedMatMul (sizes 10,0,18,12)',
      inputs: [seeded([40, 16], 8), grouped.w, grouped.b],
      f: (x, w, b) => moe.groupedMatMul(x, w, [10, 0, 18, 12], b),
    },
    { name: 'gelu (tanh)', inputs: [seeded([64, 48], 9, 2)], f: (x) => moe.activate(x, 'gelu') },
    { name: 'silu', inputs: [seeded([64, 48], 10, 2)], f: (x) => moe.activate(x, 'silu') },
    { name: 'relu', inputs: [seeded([64, 48], 11, 2)], f: (x) => moe.activate(x, 'relu') },
    { name: 'softmax', inputs: [seeded([64, 8], 12, 3)], f: (x) => tf.softmax(x) },
    { name: 'logSumExp', inputs: [seeded([64, 8], 13, 3)], f: (x) => tf.logSumExp(x, -1) },
    {
      name: 'LayerNorm',
      inputs: [seeded([64, 32], 14, 2)],
      f: (() => {
        const ln = new core.LayerNorm(32);
        return (x) => ln.forward(x);
      })(),
    },
    { name: 'cumsum (exclusive, 1-D)', inputs: [seeded([256], 15)], f: (x) => tf.cumsum(x, 0, true) },
    {
      name: 'gather rows + segment-sum gradient',
      inputs: [seeded([32, 16], 16)],
      f: (x) => tf.gather(x, tf.tensor1d([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], 'int32')),
    },
    {
      name: 'top-k weights (softmax router, k=2)',
      inputs: [seeded([64, 32], 17)],
      f: (() => {
        core.setSeed(5);
        const router = new moe.SoftmaxTopKRouter({ dim: 32, numExperts: 8, k: 2 });
        return (x) => router.route(x).assignment.weights;
      })(),
    },
    {
      name: 'Switch aux + z loss',
      inputs: [seeded([64, 8], 18, 2)],
      f: (logits) => {
        const probs = tf.softmax(logits);
        const counts = moe.countAssignments(moe.topkIndices(probs, 2), 8);
        return tf.add(moe.switchAuxLoss(probs, counts), moe.zLoss(logits));
      },
    },
    routerCase('dense'),
    routerCase('sorted'),
    routerCase('capacity'),
  ];
}

/** Forward values and gradients of a case on the active backend, read back. */
async function evaluate(c) {
  const out = tf.tidy(() => c.f(...c.inputs));
  const r = seeded(out.shape, 77);
  const grads = tf.grads((...xs) => tf.sum(tf.mul(c.f(...xs), r)))(c.inputs);
  const result = {
    y: Array.from(await out.data()),
    grads: await Promise.all(grads.map(async (g) => Array.from(await g.data()))),
  };
  tf.dispose([out, r, ...grads]);
  return result;
}

function compare(a, b) {
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    abs = Math.max(abs, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { maxAbs: abs, maxRel: scale > 0 ? abs / scale : abs };
}

function worst(list) {
  return list.reduce(
    (w, d) => ({ maxAbs: Math.max(w.maxAbs, d.maxAbs), maxRel: Math.max(w.maxRel, d.maxRel) }),
    {
      maxAbs: 0,
      maxRel: 0,
    },
  );
}

/** `pre`: the router reads LayerNorm -> GELU FFN of the tokens (small backend differences upstream). */
const FLIP_CASES = [
  { experts: 8, k: 2, tokens: 4096, dim: 32, pre: false },
  { experts: 16, k: 1, tokens: 4096, dim: 32, pre: false },
  { experts: 64, k: 8, tokens: 4096, dim: 64, pre: false },
  { experts: 8, k: 2, tokens: 8192, dim: 64, pre: true },
  { experts: 64, k: 8, tokens: 8192, dim: 64, pre: true },
];

/** The router's input for a flip case: the tokens, or LayerNorm -> GELU FFN of them. */
function routerInput(c, seed) {
  core.setSeed(seed);
  const x = seeded([c.tokens, c.dim], seed);
  if (!c.pre) return () => x;
  const ln = new core.LayerNorm(c.dim);
  const w = seeded([c.dim, c.dim], seed + 1, 1 / Math.sqrt(c.dim));
  return () => moe.activate(tf.matMul(ln.forward(x), w), 'gelu');
}

/** Top-k expert sets of each token for each flip case, with the gap between the k-th and next logit. */
async function routeSets() {
  const out = [];
  for (const [i, c] of FLIP_CASES.entries()) {
    core.setSeed(100 + i);
    const router = new moe.SoftmaxTopKRouter({ dim: c.dim, numExperts: c.experts, k: c.k });
    const x = routerInput(c, 200 + i);
    const { indices, logits } = tf.tidy(() => {
      const r = router.route(x());
      return { indices: r.assignment.indices, logits: r.logits };
    });
    const [idx, lg] = [await indices.data(), await logits.data()];
    tf.dispose([indices, logits]);
    const sets = [];
    const gaps = [];
    for (let t = 0; t < c.tokens; t++) {
      sets.push(
        Array.from(idx.slice(t * c.k, (t + 1) * c.k))
          .sort((a, b) => a - b)
          .join(','),
      );
      const row = Array.from(lg.slice(t * c.experts, (t + 1) * c.experts)).sort((a, b) => b - a);
      gaps.push(row[c.k - 1] - row[c.k]);
    }
    out.push({ sets, gaps, logits: lg, keep: [router, x] });
  }
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const root = core.findWorkspaceRoot?.() ?? process.cwd();
  const outDir = outAt >= 0 ? args[outAt + 1] : path.join(root, 'reports');
  const wasm = await startBackend('wasm');
  const cases = opCases();
  const flipsWasm = await routeSets();
  const reference = [];
  for (const c of cases) reference.push(await evaluate(c));

  const gpu = await startBackend('webgpu');
  if (gpu.unavailable) throw new Error(`no WebGPU adapter: ${gpu.unavailable}`);
  const ops = [];
  for (const [i, c] of cases.entries()) {
    const got = await evaluate(c);
    const forward = compare(got.y, reference[i].y);
    const gradient = worst(got.grads.map((g, j) => compare(g, reference[i].grads[j])));
    ops.push({ op: c.name, forward, gradient });
  }
  // The same routers on the same inputs, now on webgpu (weights and inputs moved from wasm).
  const flips = [];
  for (const [i, c] of FLIP_CASES.entries()) {
    const [router, x] = flipsWasm[i].keep;
    const { indices, logits } = tf.tidy(() => {
      const r = router.route(x());
      return { indices: r.assignment.indices, logits: r.logits };
    });
    const [idx, lg] = [await indices.data(), await logits.data()];
    tf.dispose([indices, logits]);
    const logitsMaxAbs = compare(lg, flipsWasm[i].logits).maxAbs;
    let flipped = 0;
    let nearTies = 0;
    for (let t = 0; t < c.tokens; t++) {
      const set = Array.from(idx.slice(t * c.k, (t + 1) * c.k))
        .sort((a, b) => a - b)
        .join(',');
      if (set !== flipsWasm[i].sets[t]) flipped++;
      if (flipsWasm[i].gaps[t] < 1e-5) nearTies++;
    }
    flips.push({ ...c, flipped, flipRate: flipped / c.tokens, gapBelow1e5: nearTies, logitsMaxAbs });
  }
  const report = {
    generatedAt: new Date().toISOString(),
    reference: core.describeBackend(wasm.info),
    backend: core.describeBackend(gpu.info),
    adapter: gpu.info.adapter,
    note: 'max abs / rel: max |webgpu - wasm| over all values, rel divided by max |wasm|; gradients of sum(f · r), worst input',
    ops,
    routingFlips: flips,
  };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'webgpu-parity.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'webgpu-parity.md'), markdown(report));
  process.stdout.write(markdown(report));
}

function markdown(r) {
  const e = (v) => v.toExponential(1);
  const lines = [
    '# webgpu vs wasm parity',
    '',
    `${r.backend} against ${r.reference}, ${r.generatedAt}. Same weights and inputs.`,
    '',
    '| op | forward max abs | forward max rel | gradient max abs | gradient max rel |',
    '| --- | --- | --- | --- | --- |',
    ...r.ops.map(
      (o) =>
        `| ${o.op} | ${e(o.forward.maxAbs)} | ${e(o.forward.maxRel)} | ${e(o.gradient.maxAbs)} | ${e(o.gradient.maxRel)} |`,
    ),
    '',
    'Routing flips: tokens whose top-k expert set differs between backends (softmax top-k router, random',
    'weights, standard-normal tokens); "near ties" counts tokens whose k-th and next logits differ by < 1e-5 on wasm.',
    '',
    '| router input | experts | k | tokens | flipped | flip rate | near ties | logits max abs diff |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.routingFlips.map(
      (f) =>
        `| ${f.pre ? 'LayerNorm -> GELU FFN' : 'tokens'} | ${f.experts} | ${f.k} | ${f.tokens} | ${f.flipped} | ` +
        `${(100 * f.flipRate).toFixed(3)}% | ${f.gapBelow1e5} | ${e(f.logitsMaxAbs)} |`,
    ),
    '',
    'A plain matMul that accumulates in the same order on both backends gives bitwise-equal logits;',
    'differences enter through elementwise ops upstream (LayerNorm, GELU). Real GPUs may differ more.',
    '',
  ];
  return lines.join('\n');
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e && e.stack) || e}\n`);
    process.exit(1);
  },
);
