/**
 * `npm run studio` (repository root): serves the built studio on 127.0.0.1 and prints its URL.
 * `--port N` picks the port (default 5170; 0 = any free one). Ctrl-C stops it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { APP_DIR } from './paths';
import { startStudioServer } from './static-server';

const DEFAULT_PORT = 5170;

function portOf(args: readonly string[]): number {
  const i = args.indexOf('--port');
  if (i < 0) return DEFAULT_PORT;
  const port = Number(args[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`studio: --port takes a port number 0-65535, got "${args[i + 1] ?? ''}"`);
    process.exit(2);
  }
  return port;
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(APP_DIR, 'index.html'))) {
    console.error(`studio: ${APP_DIR} is not built; run \`npm run studio\` from the repository root`);
    process.exit(1);
  }
  const server = await startStudioServer(APP_DIR, portOf(process.argv.slice(2)));
  console.log(`moe-zoo studio: ${server.url}  (Ctrl-C stops it)`);
  process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  console.error(`studio: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
