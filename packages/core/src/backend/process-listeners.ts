/** The process events whose listeners the Emscripten module of the wasm backend installs. */
const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

type Listener = (...args: unknown[]) => void;

/** The process as a plain emitter: its typed overloads do not take a union of event names. */
interface Emitter {
  listeners(event: string): Listener[];
  removeListener(event: string, listener: Listener): unknown;
}

/**
 * Runs `start` and then removes exactly the `uncaughtException` / `unhandledRejection`
 * listeners added while it ran, leaving the user's alone. The Emscripten module of
 * tfjs-backend-wasm installs listeners that rethrow: Node then exits with code 7 (a throwing
 * exception handler) and prints the handler's source line, 57 KB of minified tfjs, instead of the
 * error. Without them Node reports uncaught errors itself and exits 1.
 */
export async function withoutAddedProcessListeners<T>(start: () => Promise<T>): Promise<T> {
  const proc = process as unknown as Emitter;
  const before = new Map(EVENTS.map((e) => [e, new Set(proc.listeners(e))]));
  try {
    return await start();
  } finally {
    for (const event of EVENTS) {
      for (const l of proc.listeners(event)) {
        if (!before.get(event)?.has(l)) proc.removeListener(event, l);
      }
    }
  }
}
