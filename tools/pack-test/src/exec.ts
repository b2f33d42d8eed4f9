/** Running commands with their output kept for error messages. */
import { execFile } from 'child_process';

/** What a finished command printed. */
export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** A command that failed; the message has the command, exit code and the tail of its output. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs `file args` in `cwd` and resolves with its output, or rejects with a {@link CommandError}
 * naming the command, its exit code (or the timeout) and the last lines it printed.
 *
 * @example
 * ```ts
 * const { stdout } = await runCommand('npm', ['pack', '--json'], { cwd: 'packages/core' });
 * ```
 */
export function runCommand(
  file: string,
  args: string[],
  o: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: o.cwd, env: o.env ?? process.env, timeout: o.timeoutMs ?? 300_000, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr });
          return;
        }
        const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        const why = e.killed ? `timed out after ${o.timeoutMs ?? 300_000} ms` : `exit code ${String(e.code)}`;
        reject(
          new CommandError(
            `${file} ${args.join(' ')} (in ${o.cwd}) failed: ${why}\n--- stderr ---\n${tail(stderr)}\n--- stdout ---\n${tail(stdout)}`,
            stdout,
            stderr,
          ),
        );
      },
    );
  });
}
