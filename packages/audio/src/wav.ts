/** WAV files: the codec of `wav-codec.ts` plus reading from disk (Node only). */
import { readFile } from 'node:fs/promises';
import { decodeWav, WavError, type AudioSignal } from './wav-codec';

export type { AudioSignal } from './wav-codec';

/**
 * Reads and decodes a WAV file to a mono float signal.
 *
 * @example
 * ```ts
 * const { samples, sampleRate } = await loadWav('seven.wav');
 * ```
 */
export async function loadWav(file: string): Promise<AudioSignal> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new WavError(`cannot read (${e instanceof Error ? e.message : String(e)})`, file);
  }
  return decodeWav(bytes, file);
}
