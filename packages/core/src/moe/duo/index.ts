export * from './patterns';
export * from './experts';
export * from './router';
export * from './layer';
export * from './sweep';
export * from './oracle';
