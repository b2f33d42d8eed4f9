/** The rules a publishable package.json of the workspace follows (issue 17, "packages ready to publish"). */
import * as fs from 'fs';
import * as path from 'path';
import { builtRequests } from './requests';

/** The fields of package.json that decide what a tarball holds, how it installs and how it is imported. */
export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  keywords?: string[];
  engines?: { node?: string };
  repository?: string | { type?: string; url?: string; directory?: string };
  main?: string;
  types?: string;
  exports?: unknown;
  bin?: string | Record<string, string>;
  files?: string[];
  workspaces?: unknown;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
}

/** Reads `<dir>/package.json`. */
export function readManifest(dir: string): PackageManifest {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageManifest;
}

/** The packages of `<root>/packages/*` that are published (not private), as absolute folders. */
export function publishedPackages(root: string): string[] {
  const parent = path.join(root, 'packages');
  return fs
    .readdirSync(parent)
    .map((entry) => path.join(parent, entry))
    .filter((dir) => fs.existsSync(path.join(dir, 'package.json')) && !readManifest(dir).private)
    .sort();
}

/** The `bin` targets of a manifest (`bin/x.js`, normalised). */
export function binTargets(m: PackageManifest): string[] {
  const bin = typeof m.bin === 'string' ? { [m.name]: m.bin } : (m.bin ?? {});
  return Object.values(bin).map((target) => path.posix.normalize(target));
}

/** Ranges that are not a version range a user's npm can check: `*`, `latest`, local paths, workspace links. */
function badRange(range: string): boolean {
  return /^\s*(\*|x|latest|)\s*$/i.test(range) || /^(file|link|workspace|portal):/.test(range);
}

/** The npm package a module request names: `@tensorflow/tfjs-backend-wasm/wasm-out/x.js` -> `@tensorflow/tfjs-backend-wasm`. */
function packageOf(request: string): string {
  const parts = request.split('/');
  return request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function dependencyProblems(
  m: PackageManifest,
  dir: string,
  workspace: Map<string, PackageManifest>,
): string[] {
  const problems: string[] = [];
  for (const field of [
    'dependencies',
    'optionalDependencies',
    'peerDependencies',
    'devDependencies',
  ] as const) {
    for (const [dep, range] of Object.entries(m[field] ?? {})) {
      if (badRange(range))
        problems.push(`${field} ${dep} has the range "${range}"; use a version range (^x.y.z)`);
      if (dep.startsWith('@tensorflow/') && (field === 'dependencies' || field === 'optionalDependencies')) {
        problems.push(`${dep} is in ${field}; TensorFlow.js must be a peer dependency (one copy in the app)`);
      }
    }
  }
  const peers = m.peerDependencies ?? {};
  const meta = m.peerDependenciesMeta ?? {};
  for (const name of Object.keys(meta)) {
    if (!(name in peers)) problems.push(`peerDependenciesMeta names ${name}, which is not a peer dependency`);
  }
  for (const name of Object.keys(peers)) {
    if (!meta[name]?.optional && !m.devDependencies?.[name]) {
      problems.push(
        `peer dependency ${name} is not a devDependency too (the workspace builds and tests with it)`,
      );
    }
  }
  // What the built code loads from @tensorflow: declared as peers.
  const distDir = path.join(dir, 'dist');
  const loaded = fs.existsSync(distDir) ? builtRequests(distDir) : [];
  for (const name of new Set(loaded.filter((r) => r.startsWith('@tensorflow/')).map(packageOf))) {
    if (!(name in peers)) problems.push(`dist loads ${name}, which is not a peer dependency`);
  }
  // The required peers of our own dependencies are repeated, so the requirement reaches the app
  // under package managers that do not look past a package's own manifest.
  for (const dep of Object.keys(m.dependencies ?? {})) {
    const other = workspace.get(dep);
    for (const [peer, range] of Object.entries(other?.peerDependencies ?? {})) {
      if (other?.peerDependenciesMeta?.[peer]?.optional || !peer.startsWith('@tensorflow/')) continue;
      if (peers[peer] !== range) {
        problems.push(`${dep} needs the peer ${peer}@${range}; declare the same peer dependency`);
      }
    }
  }
  return problems;
}

function exportsProblems(m: PackageManifest): string[] {
  const want = {
    types: `./${path.posix.normalize(m.types ?? '')}`,
    main: `./${path.posix.normalize(m.main ?? '')}`,
  };
  const map = m.exports as Record<string, unknown> | undefined;
  const dot = map?.['.'] as Record<string, unknown> | undefined;
  if (!map || typeof map !== 'object' || !dot || typeof dot !== 'object') {
    return [`"exports" must map "." to { "types": "${want.types}", "default": "${want.main}" }`];
  }
  const problems: string[] = [];
  // TypeScript takes the first condition that matches: "types" goes first.
  if (Object.keys(dot)[0] !== 'types' || dot.types !== want.types) {
    problems.push(`"exports"["."] must start with "types": "${want.types}"`);
  }
  if ((dot.default ?? dot.require) !== want.main) {
    problems.push(`"exports"["."] must load "${want.main}" ("default" or "require"), as "main" does`);
  }
  if (map['./package.json'] !== './package.json') problems.push(`"exports" must include "./package.json"`);
  return problems;
}

function filesProblems(m: PackageManifest, dir: string): string[] {
  const problems: string[] = [];
  const needed = ['dist', 'README.md', 'LICENSE'];
  if (fs.existsSync(path.join(dir, 'models'))) needed.push('models');
  for (const entry of needed) {
    if (!m.files?.includes(entry)) problems.push(`"files" must include "${entry}"`);
  }
  for (const target of binTargets(m)) {
    if (!m.files?.includes(target.split('/')[0])) problems.push(`"files" does not ship the bin ${target}`);
    if (!fs.existsSync(path.join(dir, target))) problems.push(`bin ${target} does not exist`);
  }
  for (const field of ['main', 'types'] as const) {
    const value = m[field];
    if (!value) problems.push(`"${field}" is missing`);
    else if (!path.normalize(value).startsWith(`dist${path.sep}`)) {
      problems.push(`"${field}" (${value}) is not inside dist/`);
    } else if (!fs.existsSync(path.join(dir, value))) {
      problems.push(
        `${field} file ${value} does not exist; build the package first (npx nx run ${m.name}:build)`,
      );
    }
  }
  for (const file of ['README.md', 'LICENSE']) {
    if (!fs.existsSync(path.join(dir, file))) problems.push(`${file} is missing`);
  }
  return problems;
}

function metadataProblems(m: PackageManifest, dir: string, root: string): string[] {
  const problems: string[] = [];
  const top = readManifest(root);
  const rootLicense = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8');
  if (m.private) problems.push(`"private": true cannot be published`);
  if (m.license !== top.license)
    problems.push(`"license" is ${m.license}, the workspace's is ${top.license}`);
  const license = path.join(dir, 'LICENSE');
  if (fs.existsSync(license) && fs.readFileSync(license, 'utf8') !== rootLicense) {
    problems.push(`LICENSE differs from the workspace's LICENSE (copy it)`);
  }
  if (!top.engines?.node || m.engines?.node !== top.engines.node) {
    problems.push(`"engines".node is ${m.engines?.node}, the workspace's is ${top.engines?.node}`);
  }
  const repo = typeof m.repository === 'object' ? m.repository : undefined;
  const topUrl = typeof top.repository === 'object' ? top.repository.url : top.repository;
  const directory = path.relative(root, dir).split(path.sep).join('/');
  if (!repo?.url || repo.url !== topUrl || repo.directory !== directory) {
    problems.push(`"repository" must be { "type": "git", "url": "${topUrl}", "directory": "${directory}" }`);
  }
  if (!m.keywords?.length) problems.push(`"keywords" is empty`);
  return problems;
}

/**
 * Problems that would make the package in `dir` unusable or misleading once installed from npm,
 * each starting with the package's name; empty when all is well. `root` is the workspace root,
 * whose LICENSE, license, engines and repository URL every package repeats. Checks: publishable;
 * `files` with dist, README.md, LICENSE, models (when the folder exists) and the bin targets;
 * `main` / `types` built inside dist; an `exports` map with `types` first and `./package.json`;
 * version ranges only (no `*`); @tensorflow packages as peers (every one dist loads, and those
 * of our own dependencies), each peer also a devDependency unless optional.
 */
export function manifestProblems(dir: string, root: string): string[] {
  const m = readManifest(dir);
  const workspace = new Map(publishedPackages(root).map((d) => [readManifest(d).name, readManifest(d)]));
  const at = `${m.name} (${path.join(dir, 'package.json')})`;
  return [
    ...metadataProblems(m, dir, root),
    ...filesProblems(m, dir),
    ...exportsProblems(m),
    ...dependencyProblems(m, dir, workspace),
  ].map((p) => `${at}: ${p}`);
}
