import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { readFile } from 'node:fs/promises';
import { normalisePlate } from '@kuzet/vehicles';

interface ImportOptions {
  readonly api: string;
  readonly list?: string;
  readonly createList?: string;
  readonly category: string;
  readonly policy: string;
  readonly token?: string;
}

export type RowOutcome = 'added' | 'changed' | 'unchanged' | 'expired' | 'failed';

export interface RowResult {
  /** Line of the CSV (the header is line 1). */
  readonly line: number;
  readonly plate: string;
  readonly outcome: RowOutcome;
  readonly entryId?: string;
  readonly error?: string;
}

interface EntryJson {
  readonly id: string;
  readonly plate: string;
}

const PAGE = 500;

export function registerVehicleCommands(program: Command): Command {
  const vehicles = program
    .command('vehicles')
    .description('Manage vehicle lists through the kuzet API');
  vehicles
    .command('import')
    .description(
      'Put the plates of a CSV on a vehicle list, with a progress bar; idempotent: a second run of the same file changes nothing',
    )
    .argument(
      '<csv>',
      'a CSV with plate,case_reference,description,expires_at (only plate required)',
    )
    .option('--api <url>', 'the kuzet API', process.env.KUZET_API ?? 'http://127.0.0.1:3000')
    .option('--list <id>', 'import into this existing vehicle list')
    .option('--create-list <name>', 'create a vehicle list with this name first')
    .option('--category <category>', 'category of a created list (stolen, wanted, ...)', 'stolen')
    .option(
      '--policy <policy>',
      'match policy of a created list: exact, confusion, edit',
      'confusion',
    )
    .option('--token <token>', 'bearer token of a watchlist administrator', process.env.KUZET_TOKEN)
    .action(async (csv: string, options: ImportOptions) => {
      const results = await importPlates(csv, options);
      for (const result of results) process.stdout.write(`${JSON.stringify(result)}\n`);
      const count = (o: RowOutcome) => results.filter((r) => r.outcome === o).length;
      process.stderr.write(
        `${results.length} rows: ${count('added')} added, ${count('changed')} changed, ${count('unchanged')} unchanged, ${count('expired')} expired, ${count('failed')} failed\n`,
      );
      if (count('failed') > 0) process.exitCode = 1;
    });
  return vehicles;
}

interface CsvRow {
  readonly plate?: string;
  readonly case_reference?: string;
  readonly description?: string;
  readonly expires_at?: string;
}

/** Each row is put on the list (the API is idempotent by list and normalised plate: added,
 * changed or unchanged). A row whose expires_at has passed takes the plate off the list if it
 * is on it, and is reported as expired either way. */
async function importPlates(csv: string, options: ImportOptions): Promise<RowResult[]> {
  const rows = parse(await readFile(csv), {
    columns: true,
    skip_empty_lines: true,
    trim: true,
    bom: true,
  }) as CsvRow[];
  const api = new KuzetApi(options.api, options.token);
  const listId = options.list ?? (await createList(api, options));
  const onList = await currentEntries(api, listId);
  const bar = new SingleBar(
    {
      format:
        'importing {bar} {value}/{total} rows | {added} added | {changed} changed | {expired} expired | {failed} failed',
      hideCursor: true,
      // stdout carries one JSON line per row; the bar goes to stderr
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 1_000,
    },
    Presets.shades_classic,
  );
  const tally = { added: 0, changed: 0, expired: 0, failed: 0 };
  bar.start(rows.length, 0, tally);
  const results: RowResult[] = [];
  const now = Date.now();
  for (const [i, row] of rows.entries()) {
    const result = await importRow(api, listId, onList, row, i + 2, now);
    results.push(result);
    if (result.outcome in tally) tally[result.outcome as keyof typeof tally]++;
    bar.increment(tally);
  }
  bar.stop();
  return results;
}

async function importRow(
  api: KuzetApi,
  listId: string,
  onList: Map<string, string>,
  row: CsvRow,
  line: number,
  now: number,
): Promise<RowResult> {
  const plate = row.plate ?? '';
  try {
    const expiresAt = row.expires_at ? Date.parse(row.expires_at) : null;
    if (expiresAt !== null && Number.isNaN(expiresAt))
      return { line, plate, outcome: 'failed', error: 'expires_at: not a date' };
    if (expiresAt !== null && expiresAt <= now) {
      const key = normalisePlate(plate)?.text;
      const entryId = key ? onList.get(key) : undefined;
      if (entryId) {
        await api.send('DELETE', `/v1/vehicle-list-entries/${entryId}`);
        onList.delete(key!);
      }
      return { line, plate, outcome: 'expired', entryId };
    }
    const response = await api.send<{ entry: EntryJson; outcome: RowOutcome }>(
      'POST',
      `/v1/vehicle-lists/${listId}/entries`,
      {
        plate,
        case_reference: row.case_reference || undefined,
        description: row.description || undefined,
        expires_at: expiresAt === null ? undefined : new Date(expiresAt).toISOString(),
      },
    );
    onList.set(response.entry.plate, response.entry.id);
    return { line, plate, outcome: response.outcome, entryId: response.entry.id };
  } catch (error) {
    return {
      line,
      plate,
      outcome: 'failed',
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

async function createList(api: KuzetApi, options: ImportOptions): Promise<string> {
  if (!options.createList) throw new Error('give --list <id> or --create-list <name>');
  const created = await api.send<{ id: string }>('POST', '/v1/vehicle-lists', {
    name: options.createList,
    category: options.category,
    match_policy: options.policy,
  });
  return created.id;
}

/** Normalised plate -> entry id of the list's active entries. */
async function currentEntries(api: KuzetApi, listId: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  let cursor: string | null = null;
  do {
    const page: { items: EntryJson[]; next_cursor: string | null } = await api.send(
      'GET',
      `/v1/vehicle-lists/${listId}/entries?limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    for (const entry of page.items) entries.set(entry.plate, entry.id);
    cursor = page.next_cursor;
  } while (cursor);
  return entries;
}

class KuzetApi {
  constructor(
    private readonly base: string,
    private readonly token?: string,
  ) {}

  async send<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.base), {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${response.status} from ${path}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }
}
