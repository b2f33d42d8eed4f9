import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initBackend, runCaptured, setSeed } from '@moe-zoo/core';
import { AudioTransformer, DIGIT_WORDS, encodeWav, saveAudioModel } from '../src';
import { createClassifyCli } from '../src/cli';

const cli = (argv: string[]) => runCaptured(createClassifyCli, argv);

let dir: string;
let ckpt: string;
let wav: string;
beforeAll(async () => {
  await initBackend();
  dir = mkdtempSync(path.join(tmpdir(), 'audio-cli-'));
  ckpt = path.join(dir, 'ckpt');
  setSeed(0);
  const model = new AudioTransformer({ ffn: { kind: 'dense', hidden: 32 } });
  await saveAudioModel(ckpt, model);
  model.dispose();
  wav = path.join(dir, 'tone.wav');
  const samples = Float32Array.from(
    { length: 8000 },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000),
  );
  writeFileSync(wav, encodeWav({ samples, sampleRate: 16000 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('moe-audio-classify', () => {
  it('prints the digit word, number and probability', async () => {
    const r = await cli([wav, '--model', ckpt, '--backend', 'wasm']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^(${DIGIT_WORDS.join('|')}) \\(\\d\\) p=0\\.\\d{3}\\n$`));
  });

  it('prints --help on stdout and exits 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: moe-audio-classify [options] <file.wav>');
    expect(r.stderr).toBe('');
  });

  it("prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('rejects an unknown option and a missing argument with exit 2', async () => {
    const unknown = await cli([wav, '--model', ckpt, '--top-k', '3']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--top-k'");
    expect((await cli([])).code).toBe(2);
    expect((await cli([wav, ckpt])).code).toBe(2); // the checkpoint goes with --model
  });

  it('fails on a missing file with one line naming it, the stack only with --verbose', async () => {
    const missing = path.join(dir, 'nope.wav');
    const r = await cli([missing, '--model', ckpt]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^moe-audio-classify: .*nope\.wav/),
    ]);
    const verbose = await cli([missing, '--model', ckpt, '--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr.split('\n')[0]).toBe(r.stderr.trimEnd());
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });

  it('classifies with the shipped spoken-digits-moe model by default and names an unknown model', async () => {
    const r = await cli([wav]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^(${DIGIT_WORDS.join('|')}) \\(\\d\\) p=`));
    const unknown = await cli([wav, '--model', 'spoken-digits-moa']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /"spoken-digits-moa" is neither a model of @moe-zoo\/audio \(spoken-digits-moe\)/,
    );
  });

  it('names the WavError of a file that is not a WAV', async () => {
    const bad = path.join(dir, 'bad.wav');
    writeFileSync(bad, 'not a wav');
    const r = await cli([bad, '--model', ckpt]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^moe-audio-classify: .*bad\.wav: .*\(WavError\)\n$/);
  });
});
