export * from './mnist-images';
export * from './data';
export * from './batch';
