/** @moe-zoo/pack-test: helpers that install moe-zoo packages from their tarballs, as users will. */
export { CommandError, runCommand, type CommandResult } from './exec';
export {
  manifestProblems,
  packPackage,
  readManifest,
  type PackageManifest,
  type PackedPackage,
} from './pack';
export { compileExample, createScratchProject, installTarballs, isolatedEnv } from './project';
export { firstExample } from './readme';
