export * from './quant-experts';
export * from './memory';
export * from './mote-layer';
export * from './upcycle';
