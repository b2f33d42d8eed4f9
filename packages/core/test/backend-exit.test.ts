import { spawnSync } from 'child_process';
import * as path from 'path';

const DIST = path.join(__dirname, '..', 'dist');

/** Runs a script that starts the wasm backend with `threads` threads and then fails with `fail`. */
function runFailing(fail: string, threads: number, prelude = ''): { status: number | null; stderr: string } {
  const script = `
    const core = require(${JSON.stringify(DIST)});
    ${prelude}
    (async () => {
      await core.initBackend({ backend: 'wasm', threads: ${threads} });
      ${fail}
    })();
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('errors after initBackend on wasm', () => {
  it.each([1, 2])(
    'an uncaught exception exits 1 with the error, not 7 with minified tfjs (%i threads)',
    (threads) => {
      const r = runFailing("throw new Error('boom after init');", threads);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('Error: boom after init');
      expect(r.stderr.length).toBeLessThan(2000);
      expect(r.stderr).not.toMatch(/tfjs-backend-wasm/);
    },
  );

  it('an unhandled rejection exits 1 with the reason', () => {
    const r = runFailing("Promise.reject(new Error('rejected after init'));", 2);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error: rejected after init');
    expect(r.stderr.length).toBeLessThan(2000);
  });

  it("keeps the user's own listeners", () => {
    const r = runFailing(
      "throw new Error('boom');",
      2,
      "process.on('uncaughtException', (e) => { console.error('handled: ' + e.message); process.exit(3); });",
    );
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('handled: boom');
  });
});
