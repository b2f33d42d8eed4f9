/** Running a command line in-process with its output kept in memory: for tests and for embedding a CLI. */
import { Writable } from 'stream';
import type { CliIO } from './program';

/** A writable stream that keeps what was written; `isTTY` makes it pass for a terminal (progress bars). */
export class MemoryStream extends Writable {
  text = '';

  constructor(readonly isTTY = false) {
    super();
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** What a command line run by {@link runCaptured} returned and wrote. */
export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Builds a command line on in-memory streams with `make` and runs it on `argv` (`tty`: stderr
 * passes for a terminal); resolves to its exit code and everything it wrote.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runCaptured((io) => createRestoreCli(io), ['--version']);
 * ```
 */
export async function runCaptured(
  make: (io: CliIO) => { run(argv: readonly string[]): Promise<number> },
  argv: readonly string[],
  o: { tty?: boolean } = {},
): Promise<CapturedRun> {
  const stdout = new MemoryStream();
  const stderr = new MemoryStream(o.tty ?? false);
  const code = await make({ stdout, stderr }).run(argv);
  return { code, stdout: stdout.text, stderr: stderr.text };
}
