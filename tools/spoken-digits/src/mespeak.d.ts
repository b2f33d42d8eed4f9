/** The part of mespeak 2.0.2 (untyped, GPL) this tool uses. */
declare module 'mespeak' {
  interface SpeakOptions {
    rawdata?: 'buffer' | 'array' | 'base64' | 'mime';
    voice?: string;
    pitch?: number;
    speed?: number;
    amplitude?: number;
    wordgap?: number;
  }
  export function loadConfig(config: unknown): void;
  export function loadVoice(voice: unknown): void;
  export function speak(text: string, options: SpeakOptions): ArrayBuffer | Uint8Array | null;
}
