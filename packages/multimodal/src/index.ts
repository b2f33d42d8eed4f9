export * from './tokenizer';
export * from './avdigits';
export * from './mome';
export * from './vqa';
export * from './lm';
export * from './moma';
export * from './moiie';
export * from './mote';
