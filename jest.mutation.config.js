/** The unit tests that guard the modules under mutation testing (stryker.config.mjs): no
 * broker, no database, and only the spec files of those modules, so every mutant starts one
 * small jest run. The contracts' fast-check fuzz spec is left out: it is slow and the rules'
 * own specs pin the same behaviour. */
const base = require('./jest.config.js');
const unit = base.projects.find((project) => project.displayName === 'unit');
const validation = '<rootDir>/libs/contracts/src/validation';
module.exports = {
  ...unit,
  displayName: undefined,
  testMatch: [
    `${validation}/camera-event.spec.ts`,
    `${validation}/camera-event-payload.spec.ts`,
    `${validation}/codec.spec.ts`,
    `${validation}/limits.spec.ts`,
    `${validation}/vehicle.spec.ts`,
    `${validation}/watchlist.spec.ts`,
    '<rootDir>/libs/audit-log/src/*.spec.ts',
    '<rootDir>/libs/messaging/src/message-processor.spec.ts',
    '<rootDir>/apps/ops-center/src/scope/centre-scope.spec.ts',
  ],
};
