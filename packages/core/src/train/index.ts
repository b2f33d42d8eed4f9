export * from './adamw';
export * from './schedules';
export * from './clip';
export * from './guards';
export * from './progress';
export * from './callbacks';
export * from './trainer';
export * from './fit';
