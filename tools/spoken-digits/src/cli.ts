#!/usr/bin/env node
import { defaultCacheDir, generateSpokenDigits } from './generate';

/** `spoken-digits [--seed N] [--dir DIR]`: (re)generates the spoken-digit WAV cache. */
function main(argv: string[]): void {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const seed = Number(get('--seed') ?? 0);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${get('--seed')}`);
  const start = Date.now();
  const dir = generateSpokenDigits({ seed, dir: get('--dir') ?? defaultCacheDir({ seed }) });
  console.log(`spoken digits written to ${dir} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
}

main(process.argv.slice(2));
