/** Copies what the page loads besides its script: static files, wasm binaries, model checkpoints. */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { packageDir } from './paths';

/** Copies every file of `from` (not recursive) whose name passes `keep` into `to`. */
async function copyFiles(
  from: string,
  to: string,
  keep: (name: string) => boolean = () => true,
): Promise<void> {
  await fsp.mkdir(to, { recursive: true });
  for (const name of (await fsp.readdir(from)).filter(keep)) {
    await fsp.copyFile(path.join(from, name), path.join(to, name));
  }
}

/** The page's html and css. */
export async function copyStatic(staticDir: string, appDir: string): Promise<void> {
  await copyFiles(staticDir, appDir);
}

/** tfjs-backend-wasm's `.wasm` binaries into `<app>/wasm/` (the page's `wasmPaths`). */
export async function copyWasm(appDir: string): Promise<void> {
  const dist = path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  await copyFiles(dist, path.join(appDir, 'wasm'), (n) => n.endsWith('.wasm'));
}

/** A shipped model's checkpoint (manifest + tensors + card) into `<app>/models/<name>/`; returns its URL. */
export async function copyModel(pkg: string, name: string, appDir: string): Promise<string> {
  const from = path.join(packageDir(pkg), 'models', name);
  await copyFiles(from, path.join(appDir, 'models', name), (n) => /\.(json|safetensors)$/.test(n));
  return `models/${name}/`;
}
