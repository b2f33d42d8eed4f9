/** Runs a browser bundle in a V8 context that has a web worker's globals and no Node ones. */
import * as vm from 'vm';

/**
 * Runs an iife bundle in a fresh context with no `require`, `process` or `Buffer` and returns
 * what it assigned to `globalName`. The context has a web worker's globals (`self`,
 * `WorkerGlobalScope`, fetch, performance, timers, TextEncoder/Decoder, URL): tfjs finds its global
 * object through `self` and takes its browser platform where `WorkerGlobalScope` exists.
 *
 * @example
 * ```ts
 * const app = runInBareContext<{ run(): Promise<number> }>(code, 'app');
 * await app.run();
 * ```
 */
export function runInBareContext<T>(code: string, globalName: string): T {
  const context = vm.createContext({
    console,
    setTimeout,
    clearTimeout,
    queueMicrotask,
    performance,
    TextEncoder,
    TextDecoder,
    URL,
    fetch,
  });
  const nodeGlobals = vm.runInContext('typeof require + typeof process + typeof Buffer', context) as string;
  if (nodeGlobals !== 'undefinedundefinedundefined')
    throw new Error(`runInBareContext: the context has Node globals (${nodeGlobals})`);
  vm.runInContext('globalThis.self = globalThis; globalThis.WorkerGlobalScope = function () {};', context);
  vm.runInContext(code, context);
  const exported = vm.runInContext(`globalThis[${JSON.stringify(globalName)}]`, context) as T | undefined;
  if (exported === undefined)
    throw new Error(`runInBareContext: the bundle assigned nothing to ${globalName}`);
  return exported;
}
