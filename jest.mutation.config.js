/** The unit tests that guard the modules under mutation testing (stryker.config.mjs): no
 * broker, no database, so every mutant runs in seconds. */
const base = require('./jest.config.js');
const unit = base.projects.find((project) => project.displayName === 'unit');
module.exports = {
  ...unit,
  displayName: undefined,
  testMatch: [
    '<rootDir>/libs/contracts/src/**/*.spec.ts',
    '<rootDir>/libs/auth/src/audit-log/*.spec.ts',
    '<rootDir>/libs/messaging/src/message-processor.spec.ts',
    '<rootDir>/apps/ops-center/src/alerts/*.spec.ts',
  ],
};
