export * from './aux-router';
export * from './grouped-ec';
export * from './lm';
export * from './train';
export * from './savings';
