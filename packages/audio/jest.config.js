/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  // Tests generate their data with the (GPL, private) workspace tool, straight from its sources.
  moduleNameMapper: { '^@moe-zoo/spoken-digits-tool$': '<rootDir>/../../tools/spoken-digits/src/index.ts' },
  testTimeout: 120000,
};
