export * from './parse';
export * from './moe';
export * from './bounds';
export * from './fields';
export * from './lora';
export * from './attention';
export * from './duo';
