export * from './data';
export * from './batch';
