export * from './bank';
export * from './activation';
export * from './ffn-bank';
export * from './swiglu-bank';
export * from './lora-bank';
