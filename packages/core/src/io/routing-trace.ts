/**
 * A {@link RoutingTrace} as a safetensors file, without a checkpoint: one int32 tensor [rows, k]
 * per routed layer, named by the layer's path, the layer order in the metadata.
 */
import type { RoutingTrace } from '../moe/routing-replay';
import { CheckpointError } from './errors';
import { decodeSafetensors, encodeSafetensorsBytes, type TensorData } from './safetensors';

/** The `format` metadata value of a routing trace file. */
export const ROUTING_TRACE_FORMAT = 'moe-zoo-routing-trace';

/**
 * The bytes of a routing trace (safetensors).
 *
 * @example
 * ```ts
 * const bytes = encodeRoutingTrace(trace); // decodeRoutingTrace(bytes) gives it back exactly
 * ```
 */
export function encodeRoutingTrace(trace: RoutingTrace): Uint8Array {
  const tensors: Record<string, TensorData> = {};
  for (const l of trace.layers) {
    tensors[l.name] = { dtype: 'I32', shape: [l.indices.length / l.k, l.k], data: l.indices };
  }
  const order = JSON.stringify(trace.layers.map((l) => l.name));
  return encodeSafetensorsBytes(tensors, { format: ROUTING_TRACE_FORMAT, layers: order });
}

/** A routing trace from its bytes; a file that is not one is a `CheckpointError` naming it. */
export function decodeRoutingTrace(bytes: Uint8Array, source = '<routing trace>'): RoutingTrace {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  if (metadata.format !== ROUTING_TRACE_FORMAT) {
    throw new CheckpointError('MANIFEST', `not a routing trace (format ${metadata.format ?? 'missing'})`, {
      source,
      field: 'format',
    });
  }
  let order: unknown;
  try {
    order = JSON.parse(metadata.layers ?? '');
  } catch {
    order = undefined;
  }
  if (!Array.isArray(order) || !order.every((n): n is string => typeof n === 'string' && n in tensors)) {
    throw new CheckpointError('MANIFEST', 'the layer order does not name the tensors', {
      source,
      field: 'layers',
    });
  }
  return {
    layers: order.map((name) => {
      const t = tensors[name];
      if (t.dtype !== 'I32' || t.shape.length !== 2) {
        throw new CheckpointError('DTYPE', `expected int32 [rows, k], got ${t.dtype} [${t.shape}]`, {
          source,
          field: `tensor "${name}"`,
        });
      }
      return { name, k: t.shape[1], indices: t.data as Int32Array };
    }),
  };
}
