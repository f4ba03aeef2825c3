// Mutation testing of the core libraries (issue 14): contracts validation, the audit chain,
// centre scoping and the message processor, against their unit tests. `npm run test:mutation`;
// results in docs/MUTATION.md, the HTML report in reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { configFile: 'jest.mutation.config.js', enableFindRelatedTests: false },
  coverageAnalysis: 'perTest',
  mutate: [
    'libs/contracts/src/validation/**/*.ts',
    '!libs/contracts/src/validation/**/*.spec.ts',
    '!libs/contracts/src/validation/test-helpers.ts',
    '!libs/contracts/src/validation/index.ts',
    'libs/auth/src/audit-log/audit-chain.ts',
    'libs/auth/src/audit-log/audit-keyring.ts',
    'libs/auth/src/audit-log/audit-log.service.ts',
    // centre scoping: scopeOf and inScope
    'apps/ops-center/src/alerts/alerts.service.ts:298-311',
    'libs/messaging/src/message-processor.ts',
  ],
  ignorePatterns: ['dist', 'deploy/kafka/.cache', 'reports', 'data', 'bench'],
  // only the mutated files: the AssemblyScript kernel in libs/watchlist/wasm is not TypeScript babel can read
  disableTypeChecks:
    '{libs/contracts/src/validation,libs/auth/src/audit-log,libs/messaging/src,apps/ops-center/src/alerts}/**/*.ts',
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 80, low: 60, break: null },
  tempDirName: '.stryker-tmp',
};
