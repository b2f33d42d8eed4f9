/** Runs a compiled README example with node. */
import { spawn } from 'child_process';

/** How an example run ended. */
export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/**
 * `node <file> ...args` in `cwd`, as a user would run the example, without colours; never rejects
 * (a timeout kills the process and shows as `code: null`).
 */
export function runExample(
  file: string,
  cwd: string,
  args: readonly string[] = [],
  timeoutMs = 300000,
): Promise<ExampleRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    // Plain output even under a runner that forces colours (nx sets FORCE_COLOR).
    const env = { ...process.env, FORCE_COLOR: '0' };
    const child = spawn(process.execPath, [file, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => (stderr += `${e.message}\n`));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 });
    });
  });
}
