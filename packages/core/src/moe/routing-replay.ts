/**
 * Router replay: record the experts every routed layer of a model chose, and impose a recorded
 * routing instead of the routers' own choice (the weights are still each call's scores gathered
 * at the imposed experts, so outputs are reproduced exactly and routers keep their gradients).
 * Engines, dispatch paths and quantized models disagree on near-tied routing; a trace makes the
 * disagreement measurable (`routingFlips`) and removable (`replayRouting`).
 */
import type { Module } from '../nn/module';
import { tf } from '../tf';
import { RoutedLayer } from './routed-layer';

/** One routed layer's recorded choices: `indices` is [rows, k] row-major, calls concatenated. */
export interface TracedLayer {
  /** The layer's path in the model (`blocks.1.ffn`). */
  name: string;
  k: number;
  indices: Int32Array;
}

/** The routing of a model over one run: every routed layer in model order. */
export interface RoutingTrace {
  layers: TracedLayer[];
}

/** The routed layers of `model` with their paths, in registration order (not inside a routed layer). */
export function routedLayersOf(model: Module, prefix = ''): [string, RoutedLayer][] {
  if (model instanceof RoutedLayer) return [[prefix || '(root)', model]];
  return model
    .namedChildren()
    .flatMap(([name, child]) => routedLayersOf(child, prefix ? `${prefix}.${name}` : name));
}

/** Each layer's current tap, to put back when a recording or replay ends (they nest). */
function tapsOf(layers: [string, RoutedLayer][]): () => void {
  const prior = layers.map(([, layer]) => layer.routingTap);
  return () => layers.forEach(([, layer], i) => layer.setRoutingTap(prior[i]));
}

/**
 * Runs `run` and returns its result with the experts each routed layer of `model` chose (token
 * choice; a layer routed by expert choice cannot be traced and throws).
 *
 * @example
 * ```ts
 * const { result, trace } = await recordRouting(net, () => net.forward(x));
 * await saveRoutingTrace('trace.safetensors', trace);
 * ```
 */
export async function recordRouting<T>(
  model: Module,
  run: () => T | Promise<T>,
): Promise<{ result: T; trace: RoutingTrace }> {
  const layers = routedLayersOf(model);
  const calls = layers.map(() => [] as tf.Tensor2D[]);
  const restore = tapsOf(layers);
  layers.forEach(([name, layer], i) =>
    layer.setRoutingTap({
      ...layer.routingTap,
      record: (indices, kind) => {
        if (kind === 'expert') throw new Error(`recordRouting: ${name} routes by expert choice`);
        calls[i].push(tf.keep(tf.clone(indices)));
      },
    }),
  );
  try {
    const result = await run();
    const traced = await Promise.all(
      layers.map(async ([name], i): Promise<TracedLayer> => {
        const parts = await Promise.all(calls[i].map((t) => t.data() as Promise<Int32Array>));
        const indices = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
        parts.reduce((at, p) => (indices.set(p, at), at + p.length), 0);
        return { name, k: calls[i][0]?.shape[1] ?? 0, indices };
      }),
    );
    return { result, trace: { layers: traced.filter((l) => l.k > 0) } };
  } finally {
    restore();
    for (const c of calls) tf.dispose(c);
  }
}

/**
 * Runs `run` with every routed layer of `model` using the experts `trace` recorded, call after
 * call in the recorded order (each call takes the next rows of its layer). Throws, naming the
 * layer, when the model's routed layers differ from the trace's, a call needs rows the trace
 * does not have, rows are left over, or a layer's router cannot take imposed experts.
 *
 * @example
 * ```ts
 * const y = await replayRouting(quantized, trace, () => quantized.forward(x)); // float model's experts
 * ```
 */
export async function replayRouting<T>(
  model: Module,
  trace: RoutingTrace,
  run: () => T | Promise<T>,
): Promise<T> {
  const layers = routedLayersOf(model);
  const names = layers.map(([name]) => name).join(', ');
  const traced = trace.layers.map((l) => l.name).join(', ');
  if (names !== traced)
    throw new Error(`replayRouting: the model's routed layers [${names}] are not the trace's [${traced}]`);
  const cursors = layers.map(() => 0);
  const restore = tapsOf(layers);
  layers.forEach(([name, layer], i) => {
    const { k, indices } = trace.layers[i];
    layer.setRoutingTap({
      ...layer.routingTap,
      impose: (tokens) => {
        const from = cursors[i];
        if (from + tokens * k > indices.length) {
          throw new Error(
            `replayRouting: ${name} needs ${tokens} more rows, the trace has ${(indices.length - from) / k}`,
          );
        }
        cursors[i] = from + tokens * k;
        return tf.tensor2d(indices.subarray(from, from + tokens * k), [tokens, k], 'int32');
      },
    });
  });
  try {
    const result = await run();
    layers.forEach(([name], i) => {
      const left = (trace.layers[i].indices.length - cursors[i]) / trace.layers[i].k;
      if (left > 0) throw new Error(`replayRouting: ${name} left ${left} recorded rows unused`);
    });
    return result;
  } finally {
    restore();
  }
}

/** How often two traces of the same tokens disagree: a token flips when its set of k experts differs. */
export interface RoutingFlips {
  tokens: number;
  flipped: number;
  share: number;
  perLayer: { name: string; tokens: number; flipped: number; share: number }[];
}

/**
 * The share of tokens whose top-k expert set differs between two traces of the same run (order
 * within a token's k choices does not count), per layer and over all layers.
 *
 * @example
 * ```ts
 * routingFlips(wasmTrace, webgpuTrace).share; // 0 when both backends route every token alike
 * ```
 */
export function routingFlips(a: RoutingTrace, b: RoutingTrace): RoutingFlips {
  if (a.layers.length !== b.layers.length) {
    throw new Error(`routingFlips: ${a.layers.length} traced layers against ${b.layers.length}`);
  }
  const perLayer = a.layers.map((la, l) => {
    const lb = b.layers[l];
    if (la.name !== lb.name || la.k !== lb.k || la.indices.length !== lb.indices.length) {
      throw new Error(
        `routingFlips: layer ${la.name} (k ${la.k}, ${la.indices.length / la.k} rows) does not match ${lb.name} (k ${lb.k}, ${lb.indices.length / lb.k} rows)`,
      );
    }
    const tokens = la.indices.length / la.k;
    let flipped = 0;
    for (let t = 0; t < tokens; t++) {
      const set = new Set(la.indices.subarray(t * la.k, (t + 1) * la.k));
      if (lb.indices.subarray(t * la.k, (t + 1) * la.k).some((e) => !set.has(e))) flipped++;
    }
    return { name: la.name, tokens, flipped, share: tokens ? flipped / tokens : 0 };
  });
  const tokens = perLayer.reduce((n, l) => n + l.tokens, 0);
  const flipped = perLayer.reduce((n, l) => n + l.flipped, 0);
  return { tokens, flipped, share: tokens ? flipped / tokens : 0, perLayer };
}
