import { types } from 'util';

/** Exit codes of every moe-zoo command line: 0 success, 1 runtime error, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

/**
 * A command line that is well-formed but asks for something impossible (an unknown suite,
 * two flags that exclude each other). Thrown from an action, it exits {@link EXIT_USAGE}.
 *
 * @example
 * ```ts
 * if (flags.quick && flags.full) throw new UsageError('--quick and --full cannot be used together');
 * ```
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An Error, also one from another realm (Node's own errors seen from a vm context, e.g. under jest). */
function isError(e: unknown): e is Error {
  return e instanceof Error || types.isNativeError(e);
}

/** `code` of errors that carry one (ImageError, CheckpointError, Node's system errors). */
function errorCode(e: Error): string | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

/** The error's kind and code as `(ImageError IO)`, leaving out what the message already says. */
function errorTag(e: Error): string {
  const code = errorCode(e);
  const parts = [
    e.name !== 'Error' ? e.name : undefined,
    code && !e.message.includes(code) ? code : undefined,
  ];
  const tag = parts.filter((p) => p !== undefined && p !== '').join(' ');
  return tag === '' ? '' : ` (${tag})`;
}

/**
 * How a command line reports a failure on stderr: one line `<cli>: <message> (<name> <code>)`,
 * then, when `verbose`, the stack of the error and of each of its causes.
 *
 * @example
 * ```ts
 * formatCliError('moe-restore', new ImageError('IO', 'no such file', 'in.png'), false);
 * // 'moe-restore: in.png: no such file (ImageError IO)\n'
 * ```
 */
export function formatCliError(cli: string, err: unknown, verbose: boolean): string {
  const e = isError(err) ? err : new Error(String(err));
  const message = e.message.replace(/\s*\n\s*/g, '; ');
  let text = `${cli}: ${message}${errorTag(e)}\n`;
  if (!verbose) return text;
  for (let cause: unknown = e; cause !== undefined; cause = (cause as Error).cause) {
    const stack = isError(cause) ? (cause.stack ?? `${cause.name}: ${cause.message}`) : String(cause);
    text += `${cause === e ? '' : 'caused by: '}${stack}\n`;
    if (!isError(cause)) break;
  }
  return text;
}
