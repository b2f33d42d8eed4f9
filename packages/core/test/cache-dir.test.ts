import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheDir, findWorkspaceRoot } from '../src';

describe('cacheDir', () => {
  const saved = process.env.MOE_ZOO_CACHE;
  afterEach(() => {
    if (saved === undefined) delete process.env.MOE_ZOO_CACHE;
    else process.env.MOE_ZOO_CACHE = saved;
  });

  it('is <workspace root>/.cache/<sub> inside the repository', () => {
    delete process.env.MOE_ZOO_CACHE;
    const root = findWorkspaceRoot(__dirname) as string;
    expect(fs.existsSync(path.join(root, 'packages', 'core'))).toBe(true);
    expect(cacheDir('restoration')).toBe(path.join(root, '.cache', 'restoration'));
  });

  it('follows MOE_ZOO_CACHE when set', () => {
    process.env.MOE_ZOO_CACHE = path.join(os.tmpdir(), 'elsewhere');
    expect(cacheDir('vision')).toBe(path.join(os.tmpdir(), 'elsewhere', 'vision'));
  });

  it('finds no workspace root outside any repository', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'no-root-'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"x"}');
    expect(findWorkspaceRoot(dir)).toBeUndefined();
    fs.rmSync(dir, { recursive: true });
  });
});
