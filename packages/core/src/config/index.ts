export * from './parse';
export * from './moe';
