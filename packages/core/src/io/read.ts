/** Reading checkpoint files without trusting them: regular files only, bounded sizes. */
import { constants as fsConstants, promises as fsp } from 'fs';
import { CheckpointError } from './errors';

/** The largest `manifest.json` a loader reads: configs are small; anything bigger is not ours. */
export const MAX_MANIFEST_BYTES = 16 * 2 ** 20;

/**
 * Reads a checkpoint file that must be a regular file (a FIFO would block the loader forever, a
 * link to a device would never end), of at most `maxBytes`. Opened non-blocking so that a FIFO
 * is refused instead of waited on.
 */
export async function readChecked(file: string, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CheckpointError('MISSING', 'file not found', { source: file, cause: e });
    }
    const why = e instanceof Error ? e.message : String(e);
    throw new CheckpointError('IO', `cannot read (${why})`, { source: file, cause: e });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new CheckpointError('IO', 'is not a regular file', { source: file });
    if (stat.size > maxBytes) {
      throw new CheckpointError(
        'IO',
        `is ${stat.size} bytes, more than the ${maxBytes} a checkpoint's file may have`,
        {
          source: file,
        },
      );
    }
    return await handle.readFile();
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new CheckpointError('IO', `cannot read (${why})`, { source: file, cause: e });
  } finally {
    await handle.close();
  }
}
