/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  // Audio-visual tests generate their spoken digits with the (GPL, private) workspace tool, from its sources.
  moduleNameMapper: { '^@moe-zoo/spoken-digits-tool$': '<rootDir>/../../tools/spoken-digits/src/index.ts' },
  testTimeout: 120000,
};
