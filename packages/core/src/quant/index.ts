export * from './ternary';
export * from './int8';
export * from './packing';
export * from './bytes';
export * from './bit-packing';
export * from './channel-quant';
export * from './ternary-huffman';
