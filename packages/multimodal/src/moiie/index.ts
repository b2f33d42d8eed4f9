export * from './group-moe';
export * from './arms';
export * from './recipe';
