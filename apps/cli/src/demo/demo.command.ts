import { Command, InvalidArgumentError } from 'commander';
import { userInfo } from 'node:os';
import { DataSource } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import {
  DEMO_MONTH_DEFAULTS,
  DEMO_MONTH_LIMITS,
  DemoMonthVolumes,
  checkDemoMonthVolumes,
  generateDemoMonth,
} from '@kuzet/reporting';
import { EMBEDDED_OPTION_HELP, withDatabase } from '../staff/database-context';

type Counted = keyof typeof DEMO_MONTH_LIMITS;

interface DemoMonthOptions extends Omit<DemoMonthVolumes, 'seed'> {
  readonly seed: number;
  readonly append?: boolean;
  readonly embedded?: boolean;
}

/** A whole number in 0 .. max; anything else is refused naming the rule. */
export function wholeNumber(max: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d{1,10}$/.test(value) || Number(value) > max)
      throw new InvalidArgumentError(`a whole number 0 .. ${max}`);
    return Number(value);
  };
}

const COUNTED: Array<[Counted, string, string]> = [
  ['violations', '--violations <n>', 'violations found by cameras, by code and district'],
  ['plateReads', '--plate-reads <n>', 'plate reads (a region’s cars, read along their routes)'],
  [
    'faceHits',
    '--face-hits <n>',
    'face-recognition alerts: the wanted persons’ confirmed, the rest rejected',
  ],
  ['wantedIdentified', '--wanted-identified <n>', 'wanted persons identified (confirmed hits)'],
  ['wantedBroughtIn', '--wanted-brought-in <n>', 'of them, detained and brought in'],
  ['sosButtons', '--sos-buttons <n>', 'SOS buttons in the registry afterwards'],
  ['sosCalls', '--sos-calls <n>', 'SOS calls in the month'],
  ['camerasTotal', '--cameras-total <n>', 'all cameras of the region afterwards (district totals)'],
  ['camerasConnected', '--cameras-connected <n>', 'of them, connected to the centres'],
];

export function registerDemoCommands(program: Command): Command {
  const demo = program.command('demo').description('Data for trials and demonstrations');
  const month = demo
    .command('month')
    .description(
      'Fills the database with a month of traffic for the region in it (issue 20), the same for the same --seed; defaults: Mangystau, January 2026, as published. Writes one audit entry.',
    )
    .option(
      '--month <YYYY-MM>',
      'the month, in the centres’ time zone (UTC+5)',
      DEMO_MONTH_DEFAULTS.month,
    )
    .option(
      '--seed <n>',
      'the generator’s seed',
      wholeNumber(DEMO_MONTH_LIMITS.seed),
      DEMO_MONTH_DEFAULTS.seed,
    );
  for (const [key, flags, help] of COUNTED)
    month.option(flags, help, wholeNumber(DEMO_MONTH_LIMITS[key]), DEMO_MONTH_DEFAULTS[key]);
  month
    .option('--append', 'add to a month that already holds traffic (refused otherwise)')
    .option('--embedded', EMBEDDED_OPTION_HELP)
    .action(async (options: DemoMonthOptions) => {
      const volumes: DemoMonthVolumes = {
        month: options.month,
        seed: options.seed,
        violations: options.violations,
        plateReads: options.plateReads,
        faceHits: options.faceHits,
        wantedIdentified: options.wantedIdentified,
        wantedBroughtIn: options.wantedBroughtIn,
        sosButtons: options.sosButtons,
        sosCalls: options.sosCalls,
        camerasTotal: options.camerasTotal,
        camerasConnected: options.camerasConnected,
      };
      // the rules between flags, before the database is opened
      checkDemoMonthVolumes(volumes);
      const summary = await withDatabase(options, async (context) => {
        const generated = await generateDemoMonth(context.get(DataSource), volumes, {
          append: options.append,
        });
        await context.get(AuditLogService).append({
          actor: `cli:${userInfo().username}`,
          action: 'demo.month-generated',
          subjectType: 'report',
          subjectId: volumes.month,
          details: { ...volumes, append: Boolean(options.append) },
        });
        return generated;
      });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
  return demo;
}
