export * from './questions';
export * from './data';
export * from './vision-encoder';
export * from './model';
export * from './train';
export * from './baselines';
