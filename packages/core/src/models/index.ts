export * from './token-classifier';
