/** @moe-zoo/pack-test: helpers that install moe-zoo packages from their tarballs, as users will. */
export { CommandError, runCommand, type CommandResult } from './exec';
export {
  binTargets,
  manifestProblems,
  publishedPackages,
  readManifest,
  type PackageManifest,
} from './manifest';
export { packPackage, tarballProblems, type PackedPackage } from './pack';
export {
  compileExample,
  createScratchProject,
  installedCopies,
  installTarballs,
  isolatedEnv,
} from './project';
export { firstExample } from './readme';
export { builtRequests } from './requests';
