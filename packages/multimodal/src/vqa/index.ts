export * from './questions';
export * from './data';
export * from './vision-encoder';
export * from './slots';
export * from './block';
export * from './model';
export * from './train';
export * from './baselines';
