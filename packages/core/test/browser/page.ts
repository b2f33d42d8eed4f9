/**
 * The page script of browser-train.test.ts, bundled by esbuild (`--platform=browser`) from the
 * core's browser entry: it trains a small MoE layer on the backend asked for, and loads a
 * checkpoint saved by Node from bytes (fetched from the test's server).
 */
import {
  AdamW,
  MoELayer,
  describeBackend,
  encodeSafetensorsBytes,
  fetchCheckpoint,
  initBackend,
  loadStateFromBytes,
  setSeed,
  sha256Hex,
  sha256HexAsync,
  tf,
  type BackendName,
  type TensorData,
} from '../../src/browser';
import { LAYER, MODEL_NAME, referenceInput } from './fixture';

/** What the page reports for one backend. */
export interface PageResult {
  backend: string;
  described: string;
  losses: number[];
  /** The checkpoint's layer on the fixed input, as loaded from bytes. */
  output: number[];
  /** The manifest's sha256, and the sha256 of the state re-encoded in the page (both ways). */
  manifestSha: string;
  encodedSha: string;
  encodedShaPlain: string;
  /** Live tensors after the last step minus after the first (optimizer moments exist by then). */
  leakedTensors: number;
  /** Milliseconds of the training steps. */
  trainMs: number;
}

/** A tensor as safetensors data, read with `await` (not `tensorToData`'s synchronous read). */
async function toData([name, t]: [string, tf.Tensor]): Promise<[string, TensorData]> {
  const shape = [...t.shape];
  if (t.dtype === 'float32') return [name, { dtype: 'F32', shape, data: (await t.data()) as Float32Array }];
  if (t.dtype === 'int32') return [name, { dtype: 'I32', shape, data: (await t.data()) as Int32Array }];
  throw new Error(`state tensor ${name} is ${t.dtype}`);
}

async function run(backend: BackendName, steps: number): Promise<PageResult> {
  const info = await initBackend({ backend, wasmPaths: '/wasm/' });
  // Training: fit tanh(x W) with a 4-expert, top-2 layer and its balancing losses.
  setSeed(1);
  const layer = new MoELayer({ ...LAYER, losses: { aux: 0.01 } });
  const optimizer = new AdamW(layer, { lr: 1e-2, weightDecay: 0 });
  const x = tf.randomNormal([64, 16], 0, 1, 'float32', 3);
  const target = tf.tidy(() => tf.tanh(tf.matMul(x, tf.randomNormal([16, 16], 0, 0.5, 'float32', 4))));
  const losses: number[] = [];
  let afterFirst = 0;
  const start = performance.now();
  const params = layer.namedParameters().filter(([, v]) => v.trainable);
  for (let s = 0; s < steps; s++) {
    // The step of core's Trainer: no synchronous read (on webgpu in headless Chromium dataSync
    // returns zeros), the loss read back with `await`.
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => {
          const { y, aux } = layer.forward(x);
          return tf.addN([tf.losses.meanSquaredError(target, y), ...Object.values(aux.losses)]) as tf.Scalar;
        },
        params.map(([, v]) => v),
      );
      optimizer.step(Object.fromEntries(params.map(([n, v]) => [n, grads[v.name]])));
      return value;
    });
    layer.afterStep();
    losses.push((await loss.data())[0]);
    loss.dispose();
    if (s === 0) afterFirst = tf.memory().numTensors;
  }
  const trainMs = performance.now() - start;
  const leakedTensors = tf.memory().numTensors - afterFirst;
  optimizer.dispose();
  layer.dispose();
  tf.dispose([x, target]);

  // Checkpoint: a layer with other initial weights takes the saved ones from bytes.
  setSeed(99);
  const loaded = new MoELayer(LAYER);
  const bytes = await fetchCheckpoint('/ckpt/');
  const manifest = await loadStateFromBytes(loaded, bytes, { expectModel: MODEL_NAME });
  loaded.eval();
  const input = referenceInput();
  const output = Array.from(await tf.tidy(() => loaded.forward(input).y).data());
  const state = loaded.stateDict();
  const encoded = encodeSafetensorsBytes(
    Object.fromEntries(await Promise.all(Object.entries(state).map(toData))),
  );
  tf.dispose([input, ...Object.values(state)]);
  loaded.dispose();
  return {
    backend: info.name,
    described: describeBackend(info),
    losses,
    output,
    manifestSha: manifest.sha256,
    encodedSha: await sha256HexAsync(encoded),
    encodedShaPlain: sha256Hex(encoded),
    leakedTensors,
    trainMs,
  };
}

(globalThis as { moeBrowserTest?: typeof run }).moeBrowserTest = run;
