import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { kuzet } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { SignedInStaff, signInAs } from '../support/staff';

interface RowLine {
  readonly line: number;
  readonly plate: string;
  readonly outcome: string;
  readonly entryId?: string;
  readonly error?: string;
}

const lines = (stdout: string): RowLine[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RowLine);

/** `kuzet vehicles import <csv>` against a running API: rows added, a second run of the same
 * file changes nothing, a changed row is reported changed, an expired row takes its plate off
 * the list, a bad row fails alone; a progress report on stderr. */
describe('kuzet vehicles import', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let api: string;
  let folder: string;
  let admin: SignedInStaff;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([MatcherModule], {
      DATABASE_URL: database.url,
      PLATE_READ_PARTITION_INTERVAL_MS: 0,
    }));
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    api = `http://127.0.0.1:${port}`;
    folder = mkdtempSync(join(tmpdir(), 'kuzet-vehicles-import-'));
    admin = await signInAs(app, ['watchlist-admin']);
  });

  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await app?.close();
    await database?.drop();
  });

  const run = (csv: string, ...args: string[]) =>
    kuzet(['vehicles', 'import', csv, '--api', api, ...args], { KUZET_TOKEN: admin.token });

  async function activePlates(listId: string): Promise<string[]> {
    const rows = await app
      .get(DataSource)
      .query<{ plate: string }[]>(
        `SELECT plate FROM vehicle_list_entry WHERE list_id = $1 AND status = 'active' ORDER BY plate`,
        [listId],
      );
    return rows.map((r) => r.plate);
  }

  it('imports, re-imports idempotently, reports changed and expired rows', async () => {
    const first = join(folder, 'stolen.csv');
    writeFileSync(
      first,
      [
        'plate,case_reference,description,expires_at',
        '777 BOS 12,KUI-2026-0117,white Toyota Camry,',
        '123ABC12,KUI-2026-0120,,',
        '555 KZA 02,KUI-2026-0121,black Lada,2099-01-01T00:00:00Z',
        ' - ,KUI-2026-0122,,',
      ].join('\n'),
    );
    const created = await run(first, '--create-list', 'Stolen (import)', '--category', 'stolen');
    expect(created.code).toBe(1); // the bad row
    const rows = lines(created.stdout);
    expect(rows.map((r) => [r.line, r.outcome])).toEqual([
      [2, 'added'],
      [3, 'added'],
      [4, 'added'],
      [5, 'failed'],
    ]);
    expect(rows[3]!.error).toContain('400');
    expect(created.stderr).toContain(
      '4 rows: 3 added, 0 changed, 0 unchanged, 0 expired, 1 failed',
    );
    const [list] = await app
      .get(DataSource)
      .query<{ id: string }[]>(`SELECT id FROM vehicle_list WHERE name = 'Stolen (import)'`);
    expect(await activePlates(list!.id)).toEqual(['123ABC12', '555KZA02', '777BOS12']);

    // the same file again: nothing added twice
    const again = await run(first, '--list', list!.id);
    expect(lines(again.stdout).map((r) => r.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'failed',
    ]);

    const second = join(folder, 'update.csv');
    writeFileSync(
      second,
      [
        'plate,case_reference,description,expires_at',
        '777-BOS-12,KUI-2026-0117,white Toyota Camry (repainted grey),',
        '123 abc 12,KUI-2026-0120,,2026-01-01T00:00:00Z',
        '999QQQ12,KUI-2026-0130,,2026-01-01T00:00:00Z',
        '410 MNG 12,KUI-2026-0131,,',
      ].join('\n'),
    );
    const update = await run(second, '--list', list!.id);
    expect(update.code).toBe(0);
    expect(lines(update.stdout).map((r) => r.outcome)).toEqual([
      'changed',
      'expired',
      'expired',
      'added',
    ]);
    expect(update.stderr).toContain('4 rows: 1 added, 1 changed, 0 unchanged, 2 expired, 0 failed');
    expect(await activePlates(list!.id)).toEqual(['410MNG12', '555KZA02', '777BOS12']);
  });
});
