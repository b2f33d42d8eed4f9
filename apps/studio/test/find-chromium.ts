/** The system Chromium the browser test drives (Debian's package; no browser download). */
import * as fs from 'fs';

const INSTALL_HINT =
  "Install Debian's package with `apt-get install -y --no-install-recommends chromium` (.ci/run does this) " +
  'or point CHROMIUM_PATH at a Chromium binary.';

/** $CHROMIUM_PATH, else Debian's binary (not the /usr/bin wrapper script); throws a clear error if none. */
export function findChromium(): string {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/lib/chromium/chromium',
    '/usr/lib/chromium-browser/chromium-browser',
  ];
  for (const file of candidates) {
    if (file && fs.existsSync(file)) return file;
  }
  throw new Error(`Chromium not found: the studio test opens the app in it. ${INSTALL_HINT}`);
}
