export * from './kmeans';
export * from './image-tokens';
export * from './interleaved';
