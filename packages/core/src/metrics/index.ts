export * from './classification';
export * from './costs';
