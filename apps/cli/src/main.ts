import { Command } from 'commander';
import { registerFaceCommands } from '@kuzet/face';
import { registerDatabaseCommands } from './database/migrate.command';
import { registerDemoCommands } from './demo/demo.command';
import { registerDeadLetterCommands } from './dead-letters/dead-letters.command';
import { registerReportCommands } from './report/report.command';
import { registerAuditCommands } from './staff/audit.command';
import { registerUserCommands } from './staff/users.command';
import { registerVehicleCommands } from './vehicles/vehicles.command';
import { registerWatchlistCommands } from './watchlist/watchlist.command';

/** `kuzet <area> <command>`: operator and integrator tools. */
async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('kuzet')
    .description('kuzet: video-surveillance event aggregator for police operations centres')
    .showHelpAfterError();
  registerFaceCommands(program);
  registerWatchlistCommands(program);
  registerVehicleCommands(program);
  registerUserCommands(program);
  registerAuditCommands(program);
  registerDeadLetterCommands(program);
  registerDatabaseCommands(program);
  registerReportCommands(program);
  registerDemoCommands(program);
  await program.parseAsync([...argv]);
}

main(process.argv).catch((error: unknown) => {
  process.stderr.write(`kuzet: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
