import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { ANALYTICS_FOLD_WINDOW_MS } from '@kuzet/contracts';
import { STUB_JPEG } from '@kuzet/contracts/testing';
import { createTestDatabase, TestDatabase } from '../support/database';
import { everyAppModule, startTestApp } from '../support/kuzet-app';
import { asJpeg, personPhoto } from '../support/faces';
import { freePort } from '../support/process';
import { SignedInStaff, signInAs } from '../support/staff';
import { eventually } from '../support/transports';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
const FIXTURES = resolve(__dirname, '../fixtures/hikvision');
/** This run's plate digits: other suites read plates on the same shared topic. */
const D = String(100 + randomInt(900));

interface AlertJson {
  id: string;
  event_id: string;
  sighting_count: number;
  kind: string;
  centre_id: string | null;
  camera_id: string;
  priority: number;
  message: string | null;
}

/** A fixture as the device would send it now: this run's UUID and the current time in the
 * device's +05:00 zone. */
function alertXml(name: string, edit: (xml: string) => string = (x) => x): string {
  const local = new Date(Date.now() + 5 * 3600_000 - 2000).toISOString().slice(0, 19);
  return edit(
    readFileSync(join(FIXTURES, name), 'utf8')
      .replace(/<dateTime>[^<]*<\/dateTime>/, `<dateTime>${local}+05:00</dateTime>`)
      .replace(/<UUID>[^<]*<\/UUID>/, `<UUID>${randomUUID()}</UUID>`),
  );
}

/** multipart/form-data as Hikvision firmware lays it out: the XML part, then the pictures. */
function multipart(xml: string, pictures: Record<string, Uint8Array>) {
  const boundary = 'MIME_boundary';
  const chunks: Buffer[] = [];
  if (xml !== '') {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="anpr.xml"; filename="anpr.xml"\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(xml)}\r\n\r\n${xml}\r\n`,
      ),
    );
  }
  for (const [name, bytes] of Object.entries(pictures)) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: image/jpeg\r\nContent-Length: ${bytes.length}\r\n\r\n`,
      ),
      Buffer.from(bytes),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** Hikvision "HTTP listening" posts on the real broker and PostgreSQL, through the ingest, the
 * matcher and the operations centre. */
describe('Hikvision ISAPI alerts: device -> ingest -> alerts', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dataDir: string;
  let admin: SignedInStaff;
  let aktauOperator: SignedInStaff;
  let zhanaozenOperator: SignedInStaff;
  let db: DataSource;
  let basic: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-hikvision-'));
    ({ app } = await startTestApp(everyAppModule(), {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      KUZET_REGION_FILE: REGION_FILE,
      RETENTION_PURGE_INTERVAL_MS: 0,
    }));
    admin = await signInAs(app, ['system-admin', 'watchlist-admin']);
    aktauOperator = await signInAs(app, ['operator'], ['aktau']);
    zhanaozenOperator = await signInAs(app, ['operator'], ['zhanaozen']);
    db = app.get(DataSource);
    const key = await call(admin, 'POST', '/v1/api-keys', {
      integrator_id: 'hikvision-aktau',
      label: 'Aktau Hikvision cameras',
      district_ids: ['aktau-city'],
    });
    expect(key.statusCode).toBe(201);
    basic = `Basic ${Buffer.from(`admin:${key.json<{ key: string }>().key}`).toString('base64')}`;
    for (const [camera, mac] of [
      ['aktau-cam-0001', 'BC-BA-C2-4E-11-0A'],
      ['aktau-cam-0002', 'bc:ba:c2:4e:11:71'],
    ] as const) {
      const mapped = await call(admin, 'PATCH', `/v1/cameras/${camera}`, {
        device_id: mac,
        device_channel: 1,
      });
      expect(mapped.statusCode).toBe(200);
      expect(mapped.json()).toMatchObject({ device_id: mac.toLowerCase().replace(/-/g, ':') });
    }
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (
    who: SignedInStaff,
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    payload?: object,
  ) => app.inject({ method, url, headers: who.headers, payload });

  const post = (
    payload: string | Buffer,
    contentType: string,
    authorization: string | null = basic,
  ) =>
    app.inject({
      method: 'POST',
      url: '/v1/devices/hikvision/events',
      headers: { 'content-type': contentType, ...(authorization ? { authorization } : {}) },
      payload,
    });

  async function alertsOf(who: SignedInStaff): Promise<AlertJson[]> {
    const response = await call(who, 'GET', '/v1/alerts?limit=100');
    expect(response.statusCode).toBe(200);
    return response.json<{ items: AlertJson[] }>().items;
  }

  it('an ANPR post of a listed plate, with its pictures, becomes a vehicle alert for Aktau only', async () => {
    const list = await call(admin, 'POST', '/v1/vehicle-lists', {
      name: 'Wanted vehicles',
      category: 'stolen',
      priority: 90,
      match_policy: 'exact',
    });
    expect(list.statusCode).toBe(201);
    const listId = list.json<{ id: string }>().id;
    const added = await call(admin, 'POST', `/v1/vehicle-lists/${listId}/entries`, {
      plate: `${D}HKV02`,
      case_reference: 'KUI-2026-0419',
    });
    expect(added.statusCode).toBe(200);

    const xml = alertXml('anpr.xml', (x) => x.replace(/123ABC12/g, `${D}HKV02`));
    const body = multipart(xml, {
      'licensePlatePicture.jpg': STUB_JPEG,
      'detectionPicture.jpg': STUB_JPEG,
    });
    const first = await post(body.payload, body.contentType);
    expect(first.statusCode).toBe(202);
    const eventId = first.json<{ event_id: string }>().event_id;
    // the device retries: answered from the claim, not published again
    const again = await post(body.payload, body.contentType);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ event_id: eventId });

    let alert: AlertJson | undefined;
    await eventually(
      async () => {
        alert = (await alertsOf(aktauOperator)).find(
          (a) => a.kind === 'vehicle_hit' && a.message === `${D}HKV02`,
        );
        return alert !== undefined;
      },
      'the vehicle alert at Aktau',
      60_000,
    );
    expect(alert).toMatchObject({ centre_id: 'aktau', camera_id: 'aktau-cam-0001' });
    expect((await alertsOf(zhanaozenOperator)).some((a) => a.id === alert!.id)).toBe(false);
    const [{ count }] = await db.query<{ count: string }[]>(
      `SELECT count(*) FROM vehicle_hit WHERE event_id = $1`,
      [eventId],
    );
    expect(Number(count)).toBe(1);
  });

  it('a face capture of an enrolled person (its Picture part, one detector pass) becomes a face hit', async () => {
    const mapped = await call(admin, 'PATCH', '/v1/cameras/aktau-cam-0003', {
      device_id: 'bc:ba:c2:4e:11:80',
      device_channel: 1,
    });
    expect(mapped.statusCode).toBe(200);
    const list = await call(admin, 'POST', '/v1/watchlists', {
      name: 'Wanted (Hikvision face capture)',
      category: 'wanted',
      similarity_threshold: 0.4,
    });
    expect(list.statusCode).toBe(201);
    const listId = list.json<{ id: string }>().id;
    const enrolled = await call(admin, 'POST', `/v1/watchlists/${listId}/persons`, {
      full_name: 'Raj (face capture test)',
      photos: [1, 3, 4, 5].map((shot) => ({
        name: `raj${shot}.png`,
        data: personPhoto('raj', shot).toString('base64'),
      })),
    });
    expect(enrolled.statusCode).toBe(201);
    const personId = enrolled.json<{ person: { id: string } }>().person.id;

    // the camera's face crop of the same man, a photo not enrolled
    const body = multipart(alertXml('facecapture.xml'), {
      'Picture.jpg': await asJpeg(personPhoto('raj', 2)),
    });
    let posted = await post(body.payload, body.contentType);
    let postedAt = Date.now();
    // the matcher learns of the person from the change topic: a capture before that matches nobody,
    // so the camera captures him again every 3 s until one matches
    await eventually(
      async () => {
        const [hit] = await db.query<{ person_id: string; camera_id: string }[]>(
          'SELECT person_id, camera_id FROM watchlist_hit WHERE event_id = $1',
          [posted.json<{ event_id: string }>().event_id],
        );
        if (hit) return hit.person_id === personId && hit.camera_id === 'aktau-cam-0003';
        expect(posted.statusCode).toBe(202);
        if (Date.now() - postedAt < 3000) return false;
        const retry = multipart(alertXml('facecapture.xml'), {
          'Picture.jpg': await asJpeg(personPhoto('raj', 2)),
        });
        posted = await post(retry.payload, retry.contentType);
        postedAt = Date.now();
        return false;
      },
      'the face hit of the enrolled person',
      90_000,
    );
    await eventually(
      async () =>
        (await alertsOf(aktauOperator)).some(
          (a) => a.kind === 'watchlist_hit' && a.camera_id === 'aktau-cam-0003',
        ),
      'the face alert at Aktau',
      60_000,
    );
  });

  it('a crowd alarm (hikvision.com namespace, XML alone) becomes an analytics alert, and the same crowd reported again raises its count, not a second alert', async () => {
    // two reports a minute apart inside the last whole fold window (ANALYTICS_FOLD_WINDOW_MS)
    const first =
      (Math.floor(Date.now() / ANALYTICS_FOLD_WINDOW_MS) - 1) * ANALYTICS_FOLD_WINDOW_MS + 1000;
    const at = (ms: number) => (xml: string) =>
      xml.replace(
        /<dateTime>[^<]*<\/dateTime>/,
        `<dateTime>${new Date(ms + 5 * 3600_000).toISOString().slice(0, 19)}+05:00</dateTime>`,
      );
    const posted = await post(alertXml('crowd.xml', at(first)), 'application/xml; charset="UTF-8"');
    expect(posted.statusCode).toBe(202);
    const eventId = posted.json<{ event_id: string }>().event_id;
    let alert: AlertJson | undefined;
    await eventually(
      async () => {
        alert = (await alertsOf(aktauOperator)).find((a) => a.event_id === eventId);
        return alert !== undefined;
      },
      'the crowd alert at Aktau',
      60_000,
    );
    expect(alert).toMatchObject({
      kind: 'analytics',
      centre_id: 'aktau',
      camera_id: 'aktau-cam-0002',
      priority: 60,
      message: 'crowd count=37 zone=2',
      sighting_count: 1,
    });

    const again = await post(
      alertXml('crowd.xml', (xml) =>
        at(first + 60_000)(xml).replace(/<peopleNum>37<\/peopleNum>/, '<peopleNum>52</peopleNum>'),
      ),
      'application/xml; charset="UTF-8"',
    );
    expect(again.statusCode).toBe(202);
    await eventually(
      async () =>
        (await alertsOf(aktauOperator)).find((a) => a.id === alert!.id)?.sighting_count === 2,
      'the second report counted on the first alert',
      60_000,
    );
    const crowds = (await alertsOf(aktauOperator)).filter(
      (a) => a.kind === 'analytics' && a.camera_id === 'aktau-cam-0002',
    );
    expect(crowds).toHaveLength(1);
    expect(crowds[0]!.message).toBe('crowd count=52 zone=2');

    // a decided alert takes no more: a third report in the window changes nothing
    await db.query(`UPDATE alert SET state = 'rejected' WHERE id = $1`, [alert!.id]);
    const third = await post(
      alertXml('crowd.xml', at(first + 120_000)),
      'application/xml; charset="UTF-8"',
    );
    expect(third.statusCode).toBe(202);
    // the same camera's reports are taken in order: once the next window's alert is there, the
    // third report has been seen
    const next = await post(
      alertXml('crowd.xml', at(first + ANALYTICS_FOLD_WINDOW_MS)),
      'application/xml; charset="UTF-8"',
    );
    const nextId = next.json<{ event_id: string }>().event_id;
    await eventually(
      async () => (await alertsOf(aktauOperator)).some((a) => a.event_id === nextId),
      "the next window's own alert",
      60_000,
    );
    const [row] = await db.query<{ sighting_count: number; message: string }[]>(
      'SELECT sighting_count, message FROM alert WHERE id = $1',
      [alert!.id],
    );
    expect(row).toEqual({ sighting_count: 2, message: 'crowd count=52 zone=2' });
  });

  it("posts the integrator guide's example alert as written (but for the time)", async () => {
    const guide = readFileSync(resolve(__dirname, '../../docs/integrator-guide.md'), 'utf8');
    const block = /<!-- device-example: hikvision-crowd -->\s*\n```xml\n([\s\S]*?)\n```/.exec(
      guide,
    );
    expect(block).not.toBeNull();
    const local = new Date(Date.now() + 5 * 3600_000 - 2000).toISOString().slice(0, 19);
    const xml = block![1]!.replace(
      /<dateTime>[^<]*<\/dateTime>/,
      `<dateTime>${local}+05:00</dateTime>`,
    );
    const posted = await post(xml, 'application/xml');
    expect(posted.statusCode).toBe(202);
    const eventId = posted.json<{ event_id: string }>().event_id;
    await eventually(
      async () =>
        (await alertsOf(aktauOperator)).some(
          (a) => a.event_id === eventId && a.message === 'crowd count=12 zone=4',
        ),
      "the guide example's alert",
      60_000,
    );
  });

  it('refuses a second camera on a device channel another camera holds: 409 naming the field, nothing changed', async () => {
    const created = await call(admin, 'POST', '/v1/cameras', {
      id: 'aktau-cam-device-twin',
      name: 'Twin of cam 0001',
      district_id: 'aktau-city',
      device_id: 'BC-BA-C2-4E-11-0A',
      device_channel: 1,
    });
    expect(created.statusCode).toBe(409);
    expect(created.json()).toEqual({
      errors: [
        expect.objectContaining({
          field: 'device_channel',
          rule: 'device_channel_taken',
          params: { camera_id: 'aktau-cam-0001' },
        }),
      ],
    });
    expect((await call(admin, 'GET', '/v1/cameras/aktau-cam-device-twin')).statusCode).toBe(404);
    const moved = await call(admin, 'PATCH', '/v1/cameras/aktau-cam-0002', {
      device_id: 'bc:ba:c2:4e:11:0a',
      device_channel: 1,
    });
    expect(moved.statusCode).toBe(409);
    expect(moved.json<{ errors: Array<{ rule: string }> }>().errors[0]!.rule).toBe(
      'device_channel_taken',
    );
    const unchanged = await call(admin, 'GET', '/v1/cameras/aktau-cam-0002');
    expect(unchanged.json()).toMatchObject({ device_id: 'bc:ba:c2:4e:11:71', device_channel: 1 });
    // the camera holding the channel may be saved with it again
    const same = await call(admin, 'PATCH', '/v1/cameras/aktau-cam-0001', {
      device_id: 'bc:ba:c2:4e:11:0a',
      device_channel: 1,
    });
    expect(same.statusCode).toBe(200);
  });

  it('refuses a wrong Basic credential before reading the body', async () => {
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    const wrong = `Basic ${Buffer.from('admin:kzt_not_a_real_key').toString('base64')}`;
    // 4 MiB announced, 1 KiB sent and the rest held back: only an answer from the headers comes
    const answer = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/devices/hikvision/events',
          headers: {
            authorization: wrong,
            'content-type': 'application/xml',
            'content-length': 4 * 1024 * 1024,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(1024, 0x20));
    });
    expect(answer).toBe(401);
  });

  it('a heartbeat marks the camera as seen', async () => {
    const seen = await post(alertXml('videoloss-heartbeat.xml'), 'application/xml');
    expect(seen.statusCode).toBe(200);
    expect(seen.json()).toMatchObject({ status: 'seen', camera_id: 'aktau-cam-0001' });
    const [row] = await db.query<{ last_seen_at: Date | null }[]>(
      `SELECT last_seen_at FROM camera WHERE id = 'aktau-cam-0001'`,
    );
    expect(row!.last_seen_at).not.toBeNull();
  });

  it('refuses what is not a well-formed alert of a known device from a known credential', async () => {
    const anpr = alertXml('anpr.xml');
    const noCredentials = await post(anpr, 'application/xml', null);
    expect(noCredentials.statusCode).toBe(401);
    // Basic first, then the Digest challenges (test/devices/digest.e2e-spec.ts)
    expect([noCredentials.headers['www-authenticate']].flat()[0]).toMatch(/^Basic realm="kuzet"/);
    const wrong = `Basic ${Buffer.from('admin:kzt_aaaaaaaaaaaaaaaa_wrong').toString('base64')}`;
    expect((await post(anpr, 'application/xml', wrong)).statusCode).toBe(401);

    const refusals: [string, string | Buffer, string, number, string][] = [
      [
        'unknown device',
        anpr.replace('bc:ba:c2:4e:11:0a', '00:11:22:33:44:55').replace('10.20.0.64', '10.9.9.9'),
        'application/xml',
        422,
        'unregistered',
      ],
      [
        'wrong namespace',
        anpr.replace('http://www.isapi.org/ver20/XMLSchema', 'urn:x'),
        'application/xml',
        422,
        'namespace',
      ],
      [
        'missing channel',
        anpr.replace('<channelID>1</channelID>', ''),
        'application/xml',
        422,
        'required',
      ],
      [
        'date without offset',
        anpr.replace('+05:00</dateTime>', '</dateTime>'),
        'application/xml',
        422,
        'offset',
      ],
      [
        'entity expansion',
        `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><EventNotificationAlert xmlns="http://www.isapi.org/ver20/XMLSchema">&b;</EventNotificationAlert>`,
        'application/xml',
        400,
        'doctype',
      ],
      ['deep nesting', `${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}`, 'text/xml', 400, 'depth'],
      [
        'multipart without the XML',
        multipart('', { 'detectionPicture.jpg': STUB_JPEG }).payload,
        'multipart/form-data; boundary=MIME_boundary',
        422,
        'required',
      ],
      ['multipart without a boundary', 'x', 'multipart/form-data', 400, 'multipart'],
    ];
    for (const [what, payload, type, status, rule] of refusals) {
      const response = await post(payload, type);
      expect({
        what,
        status: response.statusCode,
        rule: response.json<{ errors: { rule: string }[] }>().errors[0]?.rule,
      }).toEqual({ what, status, rule });
    }
    // a 50 MB body is refused from its Content-Length, before it is read
    const huge = await app.inject({
      method: 'POST',
      url: '/v1/devices/hikvision/events',
      headers: {
        'content-type': 'application/xml',
        authorization: basic,
        'content-length': String(50 * 1024 * 1024),
      },
      payload: '<a/>',
    });
    expect(huge.statusCode).toBe(413);
    // the app still answers
    expect((await post(alertXml('videoloss-heartbeat.xml'), 'application/xml')).statusCode).toBe(
      200,
    );
  });
});
