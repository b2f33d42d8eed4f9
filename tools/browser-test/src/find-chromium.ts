/** The system Chromium the browser tests drive (Debian's package; no browser download). */
import * as fs from 'fs';
import * as path from 'path';

const INSTALL_HINT =
  "Install Debian's package with `apt-get install -y --no-install-recommends chromium` (.ci/run does this) " +
  'or point CHROMIUM_PATH at a Chromium binary.';

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * $CHROMIUM_PATH, else Debian's binary (not the /usr/bin wrapper script), else `chromium` /
 * `chromium-browser` on PATH; throws an error naming
 * `purpose` and how to install it if there is none.
 *
 * @example
 * ```ts
 * const browser = await puppeteer.launch({ executablePath: findChromium('the report test opens the HTML report') });
 * ```
 */
export function findChromium(purpose: string): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (executable(fromEnv)) return fromEnv;
    throw new Error(`CHROMIUM_PATH=${fromEnv} is not an executable file (${purpose}). ${INSTALL_HINT}`);
  }
  const onPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .flatMap((dir) => ['chromium', 'chromium-browser'].map((name) => path.join(dir, name)));
  const candidates = ['/usr/lib/chromium/chromium', '/usr/lib/chromium-browser/chromium-browser', ...onPath];
  const found = candidates.find(executable);
  if (found) return found;
  throw new Error(`Chromium not found: ${purpose}. ${INSTALL_HINT}`);
}
