/** Helpers of the generator's tests (not a test file itself). */
import * as path from 'path';
import { REPO } from '../src';

export { REPO, scratchWorkspace, type ScratchOptions } from '../src';

/** A command of the repo's node_modules/.bin. */
export function bin(name: string): string {
  return path.join(REPO, 'node_modules', '.bin', name);
}
