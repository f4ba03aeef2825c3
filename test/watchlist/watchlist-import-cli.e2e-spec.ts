import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { kuzet } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/database';
import { FACE_FIXTURES } from '../support/faces';
import { startTestApp } from '../support/kuzet-app';
import { freePort } from '../support/process';
import { signInAs } from '../support/staff';

interface PersonLine {
  readonly fullName: string;
  readonly status: string;
  readonly photos: readonly { photo: string; status: string; verdict?: string }[];
}

/** `kuzet watchlist import <folder>` against a running API: every usable photo enrolled,
 * photos without a usable face rejected with the verdict, a person with no usable photo not
 * activated, a progress bar on stderr. */
describe('kuzet watchlist import', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let api: string;
  let folder: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp([MatcherModule], { DATABASE_URL: database.url }));
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    api = `http://127.0.0.1:${port}`;
    folder = mkdtempSync(join(tmpdir(), 'kuzet-import-'));
    for (const person of ['amy', 'raj'])
      cpSync(join(FACE_FIXTURES, person), join(folder, person), { recursive: true });
    mkdirSync(join(folder, 'nobody'));
    // a grey card: decodable, but no face on it
    writeFileSync(
      join(folder, 'nobody', 'card.jpg'),
      await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080' } })
        .jpeg()
        .toBuffer(),
    );
    writeFileSync(join(folder, 'raj', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]));
  });

  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await app?.close();
    await database?.drop();
  });

  it('enrols people from a folder with per-photo reasons and a per-person result', async () => {
    const admin = await signInAs(app, ['watchlist-admin']);
    const run = await kuzet(
      [
        'watchlist',
        'import',
        folder,
        '--api',
        api,
        '--create-watchlist',
        'Imported',
        '--token',
        admin.token,
      ],
      {},
    );
    expect(run.stderr).toMatch(/enrolling .* 3\/3 people/);
    expect(run.stderr).toMatch(/3 people: 2 active, 1 not activated/);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PersonLine);
    const byName = new Map(lines.map((line) => [line.fullName, line]));
    expect(byName.get('amy')).toMatchObject({ status: 'active' });
    expect(byName.get('amy')!.photos.filter((p) => p.status === 'enrolled')).toHaveLength(5);
    const raj = byName.get('raj')!;
    expect(raj.status).toBe('active');
    expect(raj.photos.find((p) => p.photo === 'broken.jpg')).toMatchObject({
      status: 'rejected',
      verdict: 'unreadable',
    });
    expect(byName.get('nobody')).toMatchObject({
      status: 'pending',
      photos: [{ photo: 'card.jpg', status: 'rejected', verdict: 'no_face' }],
    });
    expect(run.code).toBe(0);
  });

  it('names the missing choice of watchlist and exits non-zero', async () => {
    const run = await kuzet(['watchlist', 'import', folder, '--api', api], {});
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/--watchlist <id> or --create-watchlist <name>/);
  });
});
