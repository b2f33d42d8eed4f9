import { existsSync, mkdtempSync, promises as fsp, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { makeDirs } from '../src/io/make-dirs';

describe('makeDirs', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'make-dirs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates every missing level and accepts folders that exist', async () => {
    const deep = path.join(root, 'a', 'b', 'c');
    await makeDirs(deep);
    expect((await fsp.stat(deep)).isDirectory()).toBe(true);
    await expect(makeDirs(deep)).resolves.toBeUndefined();
  });

  it('fails with ENOTDIR when a level is a file', async () => {
    writeFileSync(path.join(root, 'file'), '');
    await expect(makeDirs(path.join(root, 'file', 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  // Node's recursive mkdir never returns here; one level at a time it is an ordinary ENOENT.
  (existsSync('/proc/self') ? it : it.skip)('fails quickly under /proc instead of spinning', async () => {
    await expect(makeDirs('/proc/moe-zoo-nope/sub')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
