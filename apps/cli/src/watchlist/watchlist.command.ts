import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ImportPerson, readImportSource } from './import-source';

interface ImportOptions {
  readonly api: string;
  readonly watchlist?: string;
  readonly createWatchlist?: string;
  readonly category: string;
  readonly threshold: number;
  readonly token?: string;
  readonly concurrency: number;
}

interface PersonResult {
  readonly fullName: string;
  readonly status: string;
  readonly personId?: string;
  readonly photos: readonly { photo: string; status: string; verdict?: string }[];
  readonly error?: string;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

function similarity(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('must be a number in (0, 1]');
  return n;
}

export function registerWatchlistCommands(program: Command): Command {
  const watchlist = program
    .command('watchlist')
    .description('Manage watchlists through the kuzet API');
  watchlist
    .command('import')
    .description(
      'Enrol people from a folder (one sub-folder of photos per person) or a CSV, with a progress bar',
    )
    .argument(
      '<source>',
      'a folder of person folders, or a CSV with full_name,photo,case_reference,notes,instructions',
    )
    .option('--api <url>', 'the kuzet API', process.env.KUZET_API ?? 'http://127.0.0.1:3000')
    .option('--watchlist <id>', 'enrol into this existing watchlist')
    .option('--create-watchlist <name>', 'create a watchlist with this name first')
    .option(
      '--category <category>',
      'category of a created watchlist: wanted, missing, other',
      'wanted',
    )
    .option(
      '--threshold <similarity>',
      'similarity threshold of a created watchlist',
      similarity,
      0.4,
    )
    .option('--token <token>', 'bearer token of a watchlist administrator', process.env.KUZET_TOKEN)
    .option('--concurrency <n>', 'people enrolled at once', positiveInteger, 2)
    .action(async (source: string, options: ImportOptions) => {
      const results = await importPeople(source, options);
      for (const result of results) process.stdout.write(`${JSON.stringify(result)}\n`);
      const active = results.filter((r) => r.status === 'active').length;
      process.stderr.write(
        `${results.length} people: ${active} active, ${results.length - active} not activated (no usable photo or an error)\n`,
      );
      if (results.some((r) => r.error)) process.exitCode = 1;
    });
  return watchlist;
}

async function importPeople(source: string, options: ImportOptions): Promise<PersonResult[]> {
  const people = await readImportSource(source);
  const api = new KuzetApi(options.api, options.token);
  const watchlistId = options.watchlist ?? (await createWatchlist(api, options));
  const bar = new SingleBar(
    {
      format: 'enrolling {bar} {value}/{total} people | {photos} photos | {rejected} rejected',
      hideCursor: true,
      // stdout carries one JSON line per person; the bar goes to stderr
      stream: process.stderr,
      // in a pipe or a CI log, a progress line every second instead of a redrawn bar
      noTTYOutput: true,
      notTTYSchedule: 1_000,
    },
    Presets.shades_classic,
  );
  let photos = 0;
  let rejected = 0;
  bar.start(people.length, 0, { photos, rejected });
  const results: PersonResult[] = new Array(people.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < people.length) {
      const index = next++;
      results[index] = await enrolOne(api, watchlistId, people[index]!);
      photos += results[index]!.photos.length;
      rejected += results[index]!.photos.filter((p) => p.status !== 'enrolled').length;
      bar.increment({ photos, rejected });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  bar.stop();
  return results;
}

async function createWatchlist(api: KuzetApi, options: ImportOptions): Promise<string> {
  if (!options.createWatchlist)
    throw new Error('give --watchlist <id> or --create-watchlist <name>');
  const created = await api.post<{ id: string }>('/v1/watchlists', {
    name: options.createWatchlist,
    category: options.category,
    similarity_threshold: options.threshold,
  });
  return created.id;
}

async function enrolOne(
  api: KuzetApi,
  watchlistId: string,
  person: ImportPerson,
): Promise<PersonResult> {
  if (person.photos.length === 0)
    return { fullName: person.fullName, status: 'skipped', photos: [], error: 'no photo' };
  try {
    const photos = await Promise.all(
      person.photos.map(async (file) => ({
        name: basename(file),
        data: (await readFile(file)).toString('base64'),
      })),
    );
    const response = await api.post<{
      person: { id: string; status: string };
      photos: { photo: string; status: string; verdict: string }[];
    }>(`/v1/watchlists/${watchlistId}/persons`, {
      full_name: person.fullName,
      case_reference: person.caseReference,
      notes: person.notes,
      instructions: person.instructions,
      photos,
    });
    return {
      fullName: person.fullName,
      status: response.person.status,
      personId: response.person.id,
      photos: response.photos,
    };
  } catch (error) {
    return {
      fullName: person.fullName,
      status: 'failed',
      photos: [],
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

class KuzetApi {
  constructor(
    private readonly base: string,
    private readonly token?: string,
  ) {}

  async post<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${response.status} from ${path}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }
}
