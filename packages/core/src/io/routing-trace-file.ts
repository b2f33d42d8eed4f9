/** Routing traces as files (Node): written atomically, read and checked. */
import { promises as fsp } from 'fs';
import type { RoutingTrace } from '../moe/routing-replay';
import { writeFileAtomic } from './atomic';
import { CheckpointError } from './errors';
import { decodeRoutingTrace, encodeRoutingTrace } from './routing-trace';

/**
 * Writes `trace` to `file` (safetensors; atomic: the file is whole or absent).
 *
 * @example
 * ```ts
 * await saveRoutingTrace('float.routing.safetensors', trace);
 * ```
 */
export async function saveRoutingTrace(file: string, trace: RoutingTrace): Promise<void> {
  await writeFileAtomic(file, encodeRoutingTrace(trace));
}

/** Reads a routing trace written by {@link saveRoutingTrace}. */
export async function loadRoutingTrace(file: string): Promise<RoutingTrace> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    throw new CheckpointError('IO', `cannot read (${(e as Error).message})`, { source: file, cause: e });
  }
  return decodeRoutingTrace(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
}
