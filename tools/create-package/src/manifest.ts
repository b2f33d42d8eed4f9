/**
 * What a new package's manifest repeats from the workspace, so that it follows the published
 * manifest rules (docs/architecture.md section 5, "Published manifests", checked by
 * tools/pack-test's `manifestProblems`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CreatePackageError } from './errors';

/** The TensorFlow.js packages a model package repeats as peers (the required ones of core). */
export const TFJS_PEERS = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'] as const;

/**
 * The values of the workspace placeholders of the package templates: `__license__`,
 * `__nodeRange__`, `__repositoryUrl__`, `__webUrl__` (the repository's web page, for `homepage`
 * and `bugs`), `__coreRange__` (`^` + core's version), `__tfjsRange__` and `__tfjsWasmRange__`
 * (core's peer ranges).
 */
export type WorkspaceValues = Record<
  'license' | 'nodeRange' | 'repositoryUrl' | 'webUrl' | 'coreRange' | 'tfjsRange' | 'tfjsWasmRange',
  string
>;

interface Manifest {
  version?: unknown;
  license?: unknown;
  engines?: { node?: unknown };
  repository?: unknown;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function readJson(file: string): Manifest {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch (e) {
    throw new CreatePackageError(`${file}: cannot read it as JSON (${(e as Error).message})`);
  }
}

/** `git+https://github.com/o/r.git`, `git@github.com:o/r.git`, `git://...` -> `https://github.com/o/r`. */
export function repositoryWebUrl(url: string): string | undefined {
  const web = url
    .trim()
    .replace(/^git\+/, '')
    .replace(/^git:\/\//, 'https://')
    .replace(/^(?:ssh:\/\/)?git@([^:/]+)[:/]/, 'https://$1/')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
  return /^https?:\/\/[^/]+\/.+/.test(web) ? web : undefined;
}

/** packages/core/package.json of the workspace, or else the @moe-zoo/core its node_modules resolve. */
function coreManifestFile(root: string): string {
  const inWorkspace = path.join(root, 'packages', 'core', 'package.json');
  if (fs.existsSync(inWorkspace)) return inWorkspace;
  try {
    return require.resolve('@moe-zoo/core/package.json', { paths: [root] });
  } catch {
    throw new CreatePackageError(
      `${root} has no packages/core/package.json and no installed @moe-zoo/core; run npm install`,
    );
  }
}

/**
 * Reads the values a new package's manifest repeats: the root package.json's `license`,
 * `engines.node` and `repository.url` (its web page for `homepage` / `bugs`), `^` + core's version,
 * and core's peer ranges of {@link TFJS_PEERS}.
 *
 * @throws {@link CreatePackageError} naming the field when one is missing, or when core requires
 * an @tensorflow peer the template does not repeat.
 *
 * @example
 * ```ts
 * workspaceValues('/repo').coreRange; // '^0.1.0'
 * ```
 */
export function workspaceValues(root: string): WorkspaceValues {
  const rootFile = path.join(root, 'package.json');
  const top = readJson(rootFile);
  const missing = (field: string, file: string): CreatePackageError =>
    new CreatePackageError(
      `${file} has no ${field}; every published package repeats it (docs/architecture.md, "Published manifests")`,
    );
  if (typeof top.license !== 'string' || top.license === '') throw missing('"license"', rootFile);
  const nodeRange = top.engines?.node;
  if (typeof nodeRange !== 'string' || nodeRange === '') throw missing('"engines".node', rootFile);
  const repo = top.repository;
  const repositoryUrl = typeof repo === 'string' ? repo : (repo as { url?: unknown } | undefined)?.url;
  if (typeof repositoryUrl !== 'string' || repositoryUrl === '') throw missing('"repository".url', rootFile);
  const webUrl = repositoryWebUrl(repositoryUrl);
  if (!webUrl) {
    throw new CreatePackageError(
      `${rootFile}: cannot derive a web address (homepage, bugs) from "repository".url ${repositoryUrl}`,
    );
  }

  const coreFile = coreManifestFile(root);
  const core = readJson(coreFile);
  if (typeof core.version !== 'string') throw missing('"version"', coreFile);
  const peers = core.peerDependencies ?? {};
  const required = Object.keys(peers).filter(
    (p) => p.startsWith('@tensorflow/') && !core.peerDependenciesMeta?.[p]?.optional,
  );
  const unknown = required.filter((p) => !(TFJS_PEERS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new CreatePackageError(
      `${coreFile} requires the peer ${unknown.join(', ')}, which the package template does not repeat; ` +
        'add it to tools/create-package/templates/package/package.json.tmpl',
    );
  }
  const range = (peer: string): string => {
    const value = peers[peer];
    if (!value) throw missing(`the peer dependency ${peer}`, coreFile);
    return value;
  };
  return {
    license: top.license,
    nodeRange,
    repositoryUrl,
    webUrl,
    coreRange: `^${core.version}`,
    tfjsRange: range('@tensorflow/tfjs'),
    tfjsWasmRange: range('@tensorflow/tfjs-backend-wasm'),
  };
}
