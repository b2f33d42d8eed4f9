/**
 * WAV bytes <-> mono float signals, with no file system (the browser entry's part of `wav.ts`).
 */
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

/** Sample rates a WAV may declare: below 1 kHz is not audio we can use, and resampling cost grows as 1 / rate. */
export const WAV_SAMPLE_RATES = { min: 1000, max: 384000 } as const;
/** The longest WAV decoded, in seconds (the classifiers read about one second). */
export const MAX_WAV_SECONDS = 600;

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
  if (!(sampleRate >= WAV_SAMPLE_RATES.min && sampleRate <= WAV_SAMPLE_RATES.max)) {
    throw new WavError(
      `unsupported sample rate ${sampleRate} Hz (expected ${WAV_SAMPLE_RATES.min}-${WAV_SAMPLE_RATES.max} Hz)`,
      source,
    );
  }
  const riffBytes = (wav as unknown as { chunkSize: number }).chunkSize + 8;
  const dataBytes = (wav as unknown as { data: { chunkSize: number } }).data.chunkSize;
  if (riffBytes > bytes.length) {
    throw new WavError(
      `truncated WAV: the header declares ${riffBytes} bytes, the file has ${bytes.length}`,
      source,
    );
  }
  if (dataBytes / channels / (bits / 8) / sampleRate > MAX_WAV_SECONDS) {
    throw new WavError(
      `longer than ${MAX_WAV_SECONDS} s (${dataBytes} bytes of samples at ${sampleRate} Hz)`,
      source,
    );
  }
  let raw: Float64Array;
  try {
    raw = wav.getSamples(true, Float64Array);
  } catch (e) {
    throw new WavError(`malformed WAV data (${e instanceof Error ? e.message : String(e)})`, source);
  }
  const n = Math.floor(raw.length / channels);
  if (n === 0) throw new WavError('WAV has no samples', source);
  if (raw.length * (bits / 8) < dataBytes) {
    throw new WavError(
      `truncated WAV: the data chunk declares ${dataBytes} bytes, ${raw.length * (bits / 8)} are present`,
      source,
    );
  }
  const bad = raw.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new WavError(`sample ${Math.floor(bad / channels)} is not a finite number (${raw[bad]})`, source);
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
