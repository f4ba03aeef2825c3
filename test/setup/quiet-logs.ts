import { Logger } from '@nestjs/common';

// Tests provoke retries and dead letters on purpose; their warnings would bury real
// failures. KUZET_TEST_LOGS=1 shows everything.
if (!process.env.KUZET_TEST_LOGS) Logger.overrideLogger(['error', 'fatal']);
