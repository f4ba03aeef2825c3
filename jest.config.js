/** Two projects: fast unit tests next to the code, and end-to-end tests in test/ that
 * talk to the real Kafka broker (started by the global set-up) and PostgreSQL. */
const swc = ['@swc/jest', JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'))];
const moduleNameMapper = {
  '^@kuzet/([a-z-]+)$': '<rootDir>/libs/$1/src',
  '^@kuzet/([a-z-]+)/(.*)$': '<rootDir>/libs/$1/src/$2',
  // ESM only; Node's require() loads it, Jest's does not: its UMD build
  '^supercluster$': '<rootDir>/node_modules/supercluster/dist/supercluster.js',
};
const common = {
  rootDir: __dirname,
  setupFiles: ['<rootDir>/test/setup/quiet-logs.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
};
module.exports = {
  // end-to-end tests wait for consumer-group rebalances on the real broker (unit tests: 15 s,
  // test/setup/unit-timeout.ts)
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,tools,deploy}/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup/unit-timeout.ts'],
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
