/** @moe-zoo/create-package: scaffolds new moe-zoo model packages. */
export { createNewPackageCli, findRoot, main } from './cli';
export { CreatePackageError } from './errors';
export { createPackage, TEMPLATES_DIR, type CreatedPackage, type CreatePackageOptions } from './generate';
export { repositoryWebUrl, TFJS_PEERS, workspaceValues, type WorkspaceValues } from './manifest';
export { fillTemplate, namesOf, type PackageNames } from './names';
export { addBenchDependency, registerSuite } from './register';
export { REPO, scratchWorkspace, type ScratchOptions } from './scratch-workspace';
export { MAX_NAME_LENGTH, NAME_PATTERN, validateName, workspacePackageNames } from './validate';
