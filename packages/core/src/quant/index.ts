export * from './ternary';
export * from './int8';
export * from './packing';
export * from './bytes';
