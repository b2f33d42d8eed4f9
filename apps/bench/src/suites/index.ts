/**
 * The suite registry: `moe-bench` runs and lists exactly these suites, in this order.
 * To register a suite, import it and add it to {@link SUITES}, e.g.
 *
 * ```ts
 * import { compressionSuite } from './compression';
import { coreSuite } from './core';
 * import { perfSuite } from './perf';
 * export const SUITES: Suite[] = [coreSuite, perfSuite];
 * ```
 *
 * A suite's `name` is its CLI name and the base name of its report (`<out>/<name>.json`).
 */
import type { Suite } from '../types';
import { audioSuite } from './audio';
import { compressionSuite } from './compression';
import { coreSuite } from './core';
import { designsSuite } from './designs';
import { momaSuite } from './moma';
import { momeSuite } from './mome';
import { multimodalVqaSuite } from './multimodal-vqa';
import { perfSuite } from './perf';
import { restorationSuite } from './restoration';
import { visionSuite } from './vision';

/** Every registered suite, in run order. */
export const SUITES: Suite[] = [
  perfSuite,
  coreSuite,
  audioSuite,
  restorationSuite,
  multimodalVqaSuite,
  momeSuite,
  momaSuite,
  visionSuite,
  compressionSuite,
  designsSuite,
];

/** The suite called `name` among `suites` (default {@link SUITES}), or undefined. */
export function findSuite(name: string, suites: readonly Suite[] = SUITES): Suite | undefined {
  return suites.find((s) => s.name === name);
}
