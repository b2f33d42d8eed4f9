export * from './classification';
export * from './params';
