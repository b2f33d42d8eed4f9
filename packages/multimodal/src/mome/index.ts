export * from './rates';
export * from './backbone';
export * from './adapters';
export * from './model';
export * from './train';
export * from './overlap';
