/** Audio in the page: WAV bytes with audio's own decoder (as Node reads them), other formats with the browser's. */
import { decodeWav, type AudioSignal } from '@moe-zoo/audio';

function isWav(bytes: Uint8Array): boolean {
  const tag = String.fromCharCode(...bytes.subarray(0, 4));
  return bytes.length >= 12 && (tag === 'RIFF' || tag === 'RIFX' || tag === 'RF64');
}

/** Decodes audio bytes to a mono signal: WAVs exactly as `decodeWav` does in Node, the rest by Web Audio. */
export async function decodeAudio(bytes: ArrayBuffer, source: string): Promise<AudioSignal> {
  const view = new Uint8Array(bytes);
  if (isWav(view)) return decodeWav(view, source);
  const context = new OfflineAudioContext(1, 1, 16000);
  const buffer = await context.decodeAudioData(bytes.slice(0));
  const samples = new Float32Array(buffer.length);
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const channel = buffer.getChannelData(c);
    for (let i = 0; i < samples.length; i++) samples[i] += channel[i] / buffer.numberOfChannels;
  }
  return { samples, sampleRate: buffer.sampleRate };
}
