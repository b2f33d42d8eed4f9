export * from './tf';
export * from './backend/init';
export * from './utils/random';
export * from './nn/module';
export * from './nn/init';
