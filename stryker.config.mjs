// Mutation testing of the core libraries (issue 14): contracts validation (its rules), the
// audit chain, centre scoping and the message processor, against their unit tests.
// `npm run test:mutation`; results in docs/MUTATION.md, the HTML report in reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { configFile: 'jest.mutation.config.js', enableFindRelatedTests: false },
  // each mutant runs only the tests that reached it
  coverageAnalysis: 'perTest',
  // static mutants (module-level constants) would each rerun every test; reported as ignored
  ignoreStatic: true,
  mutate: [
    // contracts validation: the field rules every camera event, plate read and watchlist entry
    // goes through (the rest of validation/ is left out: see docs/MUTATION.md)
    'libs/contracts/src/validation/rules.ts',
    // the audit chain
    'libs/audit-log/src/audit-chain.ts',
    'libs/audit-log/src/audit-keyring.ts',
    'libs/audit-log/src/audit-log.service.ts',
    // centre scoping: scopeOf and inScope
    'apps/ops-center/src/scope/centre-scope.ts:19-29',
    'libs/messaging/src/message-processor.ts',
  ],
  ignorePatterns: [
    'dist',
    'deploy/kafka/.cache',
    'reports',
    'data',
    'bench',
    'apps/ops-center/web',
  ],
  // only the mutated files: the AssemblyScript kernel in libs/watchlist/wasm is not TypeScript babel can read
  disableTypeChecks:
    '{libs/contracts/src/validation,libs/audit-log/src,libs/messaging/src,apps/ops-center/src/scope}/**/*.ts',
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 80, low: 60, break: null },
  tempDirName: '.stryker-tmp',
};
