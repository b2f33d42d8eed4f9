import * as path from 'path';
import { cacheDir } from '@moe-zoo/core';

/** `<moe-zoo cache>/vision/<version>-<seed>`: where generated images of one generator version and seed live. */
export function visionCacheDir(version: string, seed: number): string {
  return path.join(cacheDir('vision'), `${version}-${seed}`);
}
