import { Command } from 'commander';
import { DEAD_LETTER_HEADERS } from '@kuzet/messaging';
import { DeadLetterFilter, kafkaClient, readDeadLetters, replayDeadLetters } from './dead-letters';

interface Options {
  readonly brokers: string;
  readonly reason?: string;
  readonly key?: string;
  readonly offset?: string[];
  readonly dryRun?: boolean;
}

export function registerDeadLetterCommands(program: Command): Command {
  const dlq = program
    .command('dead-letters')
    .description('kuzet.dead-letter.v1: what was refused, by which groups, and replaying it');
  const common = (command: Command): Command =>
    command
      .option(
        '--brokers <list>',
        'Kafka bootstrap brokers',
        process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      )
      .option('--reason <reason>', 'only dead letters with this reason')
      .option('--key <key>', 'only dead letters with this key (the camera id)')
      .option(
        '--offset <partition:offset...>',
        'only these dead letters (as listed by `kuzet dead-letters list`)',
      );
  common(dlq.command('list'))
    .description('One JSON line per dead letter: where, key, reason, groups, field errors')
    .action(async (options: Options) => {
      for (const letter of await readDeadLetters(client(options), filterOf(options))) {
        const details = letter.headers[DEAD_LETTER_HEADERS.details] ?? '[]';
        process.stdout.write(
          `${JSON.stringify({
            offset: `${letter.partition}:${letter.offset}`,
            key: letter.key,
            reason: letter.reason,
            groups: letter.groups,
            source_topic: letter.sourceTopic,
            details: JSON.parse(details) as unknown,
          })}\n`,
        );
      }
    });
  common(dlq.command('replay'))
    .description(
      'Put dead letters back on their topic for the groups that refused them (the others skip them); fix the cause first',
    )
    .option('--dry-run', 'only say what would be replayed')
    .action(async (options: Options) => {
      const filter = filterOf(options);
      if (!filter.reason && !filter.key && !filter.offsets?.length) {
        throw new Error('say which dead letters: --reason, --key or --offset');
      }
      const kafka = client(options);
      const letters = await readDeadLetters(kafka, filter);
      const replayed = options.dryRun ? 0 : await replayDeadLetters(kafka, letters);
      for (const letter of letters) {
        process.stdout.write(
          `${JSON.stringify({ offset: `${letter.partition}:${letter.offset}`, key: letter.key, reason: letter.reason, groups: letter.groups })}\n`,
        );
      }
      process.stderr.write(
        options.dryRun
          ? `${letters.length} dead letters would be replayed\n`
          : `${replayed} dead letters replayed\n`,
      );
    });
  return dlq;
}

function client(options: Options) {
  return kafkaClient(options.brokers.split(',').map((b) => b.trim()));
}

function filterOf(options: Options): DeadLetterFilter {
  return { reason: options.reason, key: options.key, offsets: options.offset };
}
