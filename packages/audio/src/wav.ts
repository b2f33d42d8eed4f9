import { readFile } from 'node:fs/promises';
import { WaveFile } from 'wavefile';

/** A decoded mono signal. */
export interface AudioSignal {
  /** Samples in [-1, 1] (channels averaged to mono). */
  samples: Float32Array;
  /** Samples per second. */
  sampleRate: number;
}

/** Thrown for a WAV that is empty, malformed or in an unsupported encoding; `source` names the file. */
export class WavError extends Error {
  constructor(
    message: string,
    readonly source?: string,
  ) {
    super(source ? `${source}: ${message}` : message);
    this.name = 'WavError';
  }
}

interface FmtChunk {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
}

const SUPPORTED_BITS: Record<number, number[]> = { 1: [8, 16, 24, 32], 3: [32, 64], 65534: [8, 16, 24, 32] };

/**
 * Decodes a PCM WAV (8/16/24/32-bit integer or 32/64-bit float, any channel count) into a mono
 * float signal. Throws {@link WavError} with a clear message for empty, malformed or compressed files.
 */
export function decodeWav(bytes: Uint8Array, source?: string): AudioSignal {
  if (bytes.length === 0) throw new WavError('empty file (0 bytes)', source);
  if (bytes.length < 12) throw new WavError(`too short to be a WAV file (${bytes.length} bytes)`, source);
  const tag = String.fromCharCode(...bytes.subarray(0, 4));
  const wave = String.fromCharCode(...bytes.subarray(8, 12));
  if ((tag !== 'RIFF' && tag !== 'RIFX' && tag !== 'RF64') || wave !== 'WAVE') {
    throw new WavError(`not a WAV file (header "${tag}...${wave}", expected "RIFF...WAVE")`, source);
  }
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (e) {
    throw new WavError(`malformed WAV (${e instanceof Error ? e.message : String(e)})`, source);
  }
  const fmt = wav.fmt as Partial<FmtChunk>;
  const format = fmt.audioFormat ?? 0;
  const bits = fmt.bitsPerSample ?? 0;
  const channels = fmt.numChannels ?? 0;
  const sampleRate = fmt.sampleRate ?? 0;
  if (!(format in SUPPORTED_BITS) || !SUPPORTED_BITS[format].includes(bits)) {
    throw new WavError(
      `unsupported WAV encoding (format code ${format}, ${bits} bits); expected PCM integer 8/16/24/32-bit or float 32/64-bit`,
      source,
    );
  }
  if (channels < 1) throw new WavError('malformed WAV (0 channels)', source);
  if (!(sampleRate > 0)) throw new WavError(`malformed WAV (sample rate ${sampleRate})`, source);
  let raw: Float64Array;
  try {
    raw = wav.getSamples(true, Float64Array);
  } catch (e) {
    throw new WavError(`malformed WAV data (${e instanceof Error ? e.message : String(e)})`, source);
  }
  const n = Math.floor(raw.length / channels);
  if (n === 0) throw new WavError('WAV has no samples', source);
  const scale = format === 3 ? 1 : bits === 8 ? 128 : 2 ** (bits - 1);
  const offset = format !== 3 && bits === 8 ? 128 : 0;
  const samples = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += raw[i * channels + c] - offset;
    samples[i] = s / channels / scale;
  }
  return { samples, sampleRate };
}

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

/** Encodes a mono float signal (clipped to [-1, 1]) as a 16-bit PCM WAV. */
export function encodeWav(signal: AudioSignal): Uint8Array {
  const pcm = new Int16Array(signal.samples.length);
  for (let i = 0; i < pcm.length; i++) {
    const s = Math.max(-1, Math.min(1, signal.samples[i]));
    pcm[i] = Math.round(s * 32767);
  }
  const wav = new WaveFile();
  wav.fromScratch(1, signal.sampleRate, '16', pcm);
  return wav.toBuffer();
}
