/**
 * `npm test` runs three projects:
 *  - unit: pure logic beside the code (src/**\/*.spec.ts)
 *  - e2e: the real app on the embedded defaults (SQLite, in-process holds) with a real SMTP server
 *  - e2e-services: the same specs on PostgreSQL and Redis, when DATABASE_URL and REDIS_URL are set
 */
/** Packages published as ES modules only: compiled to CommonJS as they load (see test/support/esm-to-commonjs.js). */
const ESM_ONLY = ['@nestjs/', 'cookie/', 'content-disposition/'];

/** The @nestjs/swagger CLI plugin, with the options `nest build` gives it (see test/support/swagger-plugin.js). */
const swaggerPlugin = require('./nest-cli.json').compilerOptions.plugins.find((plugin) => plugin.name === '@nestjs/swagger');

const base = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        diagnostics: false,
        // The plugin reads types: ts-jest keeps a program only when it compiles whole projects.
        tsconfig: { isolatedModules: false },
        astTransformers: { before: [{ path: '<rootDir>/test/support/swagger-plugin.js', options: swaggerPlugin.options }] },
      },
    ],
    '^.+\\.js$': '<rootDir>/test/support/esm-to-commonjs.js',
  },
  transformIgnorePatterns: [`/node_modules/(?!${ESM_ONLY.join('|')})`],
  testEnvironment: 'node',
};

const e2e = (displayName, backend, extra = {}) => ({
  ...base,
  displayName,
  rootDir: '.',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  setupFiles: [`<rootDir>/test/support/backend-${backend}.ts`],
  slowTestThreshold: 20,
  ...extra,
});

module.exports = {
  testTimeout: 30000,
  // Two workers at least: the e2e specs mostly wait (on timers, restarts, mail servers), so on a two-core
  // machine a second worker overlaps those waits instead of leaving a core idle (Jest's default is one).
  maxWorkers: Math.max(2, require('node:os').availableParallelism() - 1),
  projects: [
    { ...base, displayName: 'unit', rootDir: '.', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    e2e('e2e', 'embedded'),
    // Says once, when DATABASE_URL and REDIS_URL are unset, why this project's specs are skipped.
    e2e('e2e-services', 'services', { globalSetup: '<rootDir>/test/support/services-global-setup.ts' }),
  ],
};
