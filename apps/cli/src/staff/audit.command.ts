import { Command } from 'commander';
import { appendCheckpoint, AuditLogService, readCheckpointFile } from '@kuzet/audit-log';
import { EMBEDDED_OPTION_HELP, withDatabase } from './database-context';

interface VerifyOptions {
  readonly embedded?: boolean;
  readonly checkpoints?: string;
  readonly record?: boolean;
}

export function registerAuditCommands(program: Command): Command {
  const audit = program.command('audit').description('The tamper-evident audit log');
  audit
    .command('verify')
    .description(
      'Check the whole chain (hashes, and MACs with AUDIT_CHAIN_KEYS) and any checkpoints; names the first broken row and exits 1 if there is one',
    )
    .option('--embedded', EMBEDDED_OPTION_HELP)
    .option(
      '--checkpoints <file>',
      'checkpoints kept outside the database (JSON lines of {seq, hash, mac, keyId, at}): each must still be in the chain, unchanged',
    )
    .option('--record', 'when the chain is intact, append its head to the --checkpoints file')
    .action(async (options: VerifyOptions) => {
      if (options.record && !options.checkpoints) {
        throw new Error('--record needs --checkpoints <file> to append to');
      }
      // read before the database is opened: a bad file stops here
      const read = options.record ? readIfPresent : readCheckpointFile;
      const checkpoints = options.checkpoints ? read(options.checkpoints) : undefined;
      const result = await withDatabase(options, (context) =>
        context.get(AuditLogService).verifyChain({ checkpoints }),
      );
      process.stdout.write(`${JSON.stringify(result)}\n`);
      if (result.firstBroken) {
        process.stderr.write(
          `audit log broken at row ${result.firstBroken.seq}: ${result.firstBroken.reason}\n`,
        );
        process.exitCode = 1;
        return;
      }
      if (options.record && options.checkpoints && result.head) {
        appendCheckpoint(options.checkpoints, result.head);
      }
      process.stderr.write(
        `audit log intact: ${result.rowsChecked} rows, ${result.checkpointsChecked} checkpoints` +
          (result.unsignedRows > 0 ? `, ${result.unsignedRows} unsigned legacy rows` : '') +
          '\n',
      );
    });
  return audit;
}

/** With --record the file may not exist yet: the first run starts it. */
function readIfPresent(file: string): ReturnType<typeof readCheckpointFile> {
  try {
    return readCheckpointFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
