import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { DataSource } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import {
  computeMonthlyReport,
  monthlyReportQuerySchema,
  REPORT_LOCALES,
  ReportLocale,
  renderMonthlyReportHtml,
} from '@kuzet/reporting';
import { EMBEDDED_OPTION_HELP, withDatabase } from '../staff/database-context';

interface MonthlyOptions {
  readonly month: string;
  readonly centre?: string;
  readonly format: 'json' | 'html' | 'pdf';
  readonly lang: ReportLocale;
  readonly out?: string;
  readonly embedded?: boolean;
}

/** The centre and the district centres below it. */
async function centresOf(dataSource: DataSource, centreId: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await dataSource.query(
    `SELECT id FROM operations_centre WHERE id = $1 OR parent_centre_id = $1 ORDER BY id`,
    [centreId],
  );
  if (!rows.some((r) => r.id === centreId)) throw new Error(`centre ${centreId} does not exist`);
  return rows.map((r) => r.id);
}

/** Chromium's flags for printing: its sandbox stays on unless it cannot run, as root (Chromium
 * refuses it there) or where CHROMIUM_NO_SANDBOX=1 says the host has no user namespaces. */
export function printingChromiumArgs(
  uid: number | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const unsandboxed = uid === 0 || env['CHROMIUM_NO_SANDBOX'] === '1';
  return [
    ...(unsandboxed ? ['--no-sandbox'] : []),
    '--disable-gpu',
    '--disable-background-networking',
  ];
}

/** The HTML printed by Chromium (Debian's, CHROMIUM_PATH): the same page as --format html. */
export async function printPdf(html: string): Promise<Buffer> {
  // playwright-core drives the browser; loaded only for PDFs
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: printingChromiumArgs(process.getuid?.(), process.env),
  });
  try {
    // the page is kuzet's own escaped HTML; still, it runs no script and reaches no network
    const context = await browser.newContext({ javaScriptEnabled: false });
    await context.route('**/*', (route) => route.abort());
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({ format: 'A4', landscape: true, printBackground: true });
  } finally {
    await browser.close();
  }
}

export function registerReportCommands(program: Command): Command {
  const report = program.command('report').description('Reports as the regions publish them');
  report
    .command('monthly')
    .description(
      'The monthly report per district and for the region (issue 20); JSON lists the query behind every figure',
    )
    .requiredOption('--month <YYYY-MM>', 'the month, in the centres’ time zone (UTC+5)')
    .option('--centre <id>', 'one centre and the district centres below it (default: the region)')
    .addOption(
      new Option('--format <format>', 'json, html or pdf')
        .choices(['json', 'html', 'pdf'])
        .default('json'),
    )
    .addOption(
      new Option('--lang <lang>', 'language of html and pdf')
        .choices([...REPORT_LOCALES])
        .default('ru'),
    )
    .option('--out <file>', 'write here instead of standard output')
    .option('--embedded', EMBEDDED_OPTION_HELP)
    .action(async (options: MonthlyOptions) => {
      const query = monthlyReportQuerySchema.parse({
        month: options.month,
        centre_id: options.centre,
      });
      const monthly = await withDatabase(options, async (context) => {
        const dataSource = context.get(DataSource);
        const centres = query.centre_id ? await centresOf(dataSource, query.centre_id) : null;
        const computed = await computeMonthlyReport(
          dataSource,
          query.month,
          centres,
          query.centre_id ?? null,
        );
        await context.get(AuditLogService).append({
          actor: `cli:${userInfo().username}`,
          action: 'report.monthly-exported',
          subjectType: 'report',
          subjectId: query.month,
          details: { centreId: query.centre_id ?? null, format: options.format },
        });
        return computed;
      });
      const output =
        options.format === 'json'
          ? `${JSON.stringify(monthly, null, 2)}\n`
          : options.format === 'html'
            ? renderMonthlyReportHtml(monthly, options.lang)
            : await printPdf(renderMonthlyReportHtml(monthly, options.lang));
      if (options.out) writeFileSync(options.out, output);
      else process.stdout.write(output);
    });
  return report;
}
