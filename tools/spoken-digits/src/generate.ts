import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WaveFile } from 'wavefile';

/** Bumped whenever the generated audio changes; part of the cache key. */
export const GENERATOR_VERSION = 'v1';

/** The ten words, index = digit. */
export const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** mespeak's English voices (ids as mespeak expects them). */
export const ACCENTS = ['en/en-us', 'en/en', 'en/en-rp', 'en/en-sc', 'en/en-n', 'en/en-wm'];

/** Pitch bands; a "voice" is an accent at a pitch band (6 × 3 = 18 voices). */
export const PITCH_BANDS = [25, 50, 75];

/** One utterance as listed in `manifest.json`. */
export interface UtteranceEntry {
  /** WAV file name inside the cache folder. */
  file: string;
  digit: number;
  /** `accent@pitchBand`, e.g. `en/en-us@50`: the speaker identity used for splits. */
  voice: string;
  accent: string;
  pitch: number;
  speed: number;
}

/** `manifest.json` of a generated cache folder. */
export interface SpokenDigitsManifest {
  generator: string;
  version: string;
  seed: number;
  sampleRate: number;
  utterances: UtteranceEntry[];
}

/** Options of {@link generateSpokenDigits}. */
export interface GenerateOptions {
  /** Seeds the pitch/speed jitter (default 0). */
  seed?: number;
  /** Output folder (default {@link defaultCacheDir}). */
  dir?: string;
  /** Utterances per (voice, digit) with different pitch/speed (default 3). */
  repeats?: number;
  /** Restrict to the first n voices (default all 18), e.g. for tests. */
  maxVoices?: number;
  /** Restrict to these digits (default 0..9). */
  digits?: number[];
}

/** The repository root: the nearest ancestor folder whose package.json has "workspaces". */
export function repoRoot(from = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown };
      if (json.workspaces) return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** `<repo>/.cache/spoken-digits/<version>-<seed>` (plus a suffix for non-default sizes). */
export function defaultCacheDir(o: GenerateOptions = {}): string {
  const size =
    o.repeats === undefined && o.maxVoices === undefined && o.digits === undefined
      ? ''
      : `-r${o.repeats ?? 3}-v${o.maxVoices ?? ACCENTS.length * PITCH_BANDS.length}-d${(o.digits ?? []).join('')}`;
  return path.join(repoRoot(), '.cache', 'spoken-digits', `${GENERATOR_VERSION}-${o.seed ?? 0}${size}`);
}

function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One utterance for the synthesizer child process. */
interface Job {
  word: string;
  voice: string;
  pitch: number;
  speed: number;
  out: string;
}

/**
 * Runs in a fresh `node` process per batch: mespeak's asm.js heap is corrupted after about 75-80
 * utterances per instance, and a child process per batch of {@link UTTERANCES_PER_INSTANCE} gives
 * every batch a fresh instance (also under test runners with their own module registry).
 */
const CHILD = `
const fs = require('fs');
const { mespeak, jobs, accents } = JSON.parse(fs.readFileSync(0, 'utf8'));
const log = console.log; console.log = () => {};
const m = require(mespeak);
m.loadConfig(require(require.resolve('mespeak/src/mespeak_config.json', { paths: [mespeak] })));
for (const v of accents) m.loadVoice(require(require.resolve('mespeak/voices/' + v + '.json', { paths: [mespeak] })));
for (const j of jobs) {
  const b = m.speak(j.word, { rawdata: 'buffer', voice: j.voice, pitch: j.pitch, speed: j.speed });
  if (!b) throw new Error('mespeak returned nothing for ' + j.word + ' (' + j.voice + ')');
  fs.writeFileSync(j.out, Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)));
}
console.log = log;
`;

function synthesize(jobs: Job[]): void {
  const mespeak = path.dirname(require.resolve('mespeak/package.json'));
  execFileSync(process.execPath, ['-e', CHILD], {
    input: JSON.stringify({ mespeak, jobs, accents: ACCENTS }),
    stdio: ['pipe', 'ignore', 'inherit'],
  });
}

const UTTERANCES_PER_INSTANCE = 40;

/** Converts mespeak's 22050 Hz 16-bit WAV to 16 kHz mono 16-bit. */
function to16k(wav: Uint8Array): Uint8Array {
  const w = new WaveFile(wav);
  w.toSampleRate(16000);
  return w.toBuffer();
}

/**
 * Synthesizes every (voice, digit, repeat) utterance with mespeak and writes 16 kHz mono 16-bit
 * WAVs plus `manifest.json` into `dir` (staged in a temp folder, renamed into place). Deterministic
 * per seed. Returns the folder.
 */
export function generateSpokenDigits(o: GenerateOptions = {}): string {
  const seed = o.seed ?? 0;
  const dir = o.dir ?? defaultCacheDir(o);
  const repeats = o.repeats ?? 3;
  const digits = o.digits ?? DIGIT_WORDS.map((_, i) => i);
  const voices = ACCENTS.flatMap((accent) => PITCH_BANDS.map((band) => ({ accent, band }))).slice(
    0,
    o.maxVoices ?? ACCENTS.length * PITCH_BANDS.length,
  );
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const rng = mulberry32(seed * 2654435761 + 17);
  const utterances: UtteranceEntry[] = [];
  const jobs: (Job & { entry: UtteranceEntry })[] = [];
  for (const { accent, band } of voices) {
    for (const digit of digits) {
      for (let r = 0; r < repeats; r++) {
        const pitch = Math.round(band - 10 + rng() * 20);
        const speed = Math.round(130 + rng() * 110);
        const voice = `${accent}@${band}`;
        const file = `${voice.replace(/[^a-z0-9@-]/gi, '_')}-${digit}-${r}.wav`;
        const entry = { file, digit, voice, accent, pitch, speed };
        jobs.push({
          word: DIGIT_WORDS[digit],
          voice: accent,
          pitch,
          speed,
          out: path.join(tmp, `raw-${file}`),
          entry,
        });
      }
    }
  }
  for (let i = 0; i < jobs.length; i += UTTERANCES_PER_INSTANCE) {
    synthesize(jobs.slice(i, i + UTTERANCES_PER_INSTANCE).map(({ entry: _e, ...j }) => j));
  }
  for (const j of jobs) {
    writeFileSync(path.join(tmp, j.entry.file), to16k(readFileSync(j.out)));
    rmSync(j.out);
    utterances.push(j.entry);
  }
  const manifest: SpokenDigitsManifest = {
    generator: '@moe-zoo/spoken-digits-tool (mespeak 2.0.2)',
    version: GENERATOR_VERSION,
    seed,
    sampleRate: 16000,
    utterances,
  };
  writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  renameSync(tmp, dir);
  return dir;
}

/** The cache folder for these options, generated first if its manifest is missing. */
export function ensureSpokenDigits(o: GenerateOptions = {}): string {
  const dir = o.dir ?? defaultCacheDir(o);
  if (!existsSync(path.join(dir, 'manifest.json'))) generateSpokenDigits({ ...o, dir });
  return dir;
}
