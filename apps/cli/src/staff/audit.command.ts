import { Command } from 'commander';
import { AuditLogService } from '@kuzet/auth';
import { EMBEDDED_OPTION_HELP, withDatabase } from './database-context';

export function registerAuditCommands(program: Command): Command {
  const audit = program.command('audit').description('The tamper-evident audit log');
  audit
    .command('verify')
    .description(
      'Check the whole hash chain; names the first broken row and exits 1 if there is one',
    )
    .option('--embedded', EMBEDDED_OPTION_HELP)
    .action(async (options: { embedded?: boolean }) => {
      const result = await withDatabase(options, (context) =>
        context.get(AuditLogService).verifyChain(),
      );
      process.stdout.write(`${JSON.stringify(result)}\n`);
      if (result.firstBroken) {
        process.stderr.write(
          `audit log broken at row ${result.firstBroken.seq}: ${result.firstBroken.reason}\n`,
        );
        process.exitCode = 1;
      } else {
        process.stderr.write(`audit log intact: ${result.rowsChecked} rows\n`);
      }
    });
  return audit;
}
