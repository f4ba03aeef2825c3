import { fromBinary } from '@bufbuild/protobuf';
import { randomUUID } from 'node:crypto';
import {
  CameraEvent,
  CameraEventSchema,
  cameraEventToJson,
  encodeCameraEvent,
  timestampFromMs,
  ViolationCode,
} from '@kuzet/contracts';
import { DEAD_LETTER_HEADERS, InboundMessage, Subscription, TOPICS } from '@kuzet/messaging';
import { VIOLATIONS_GROUP } from '../../apps/violations/src/violation-log/violation.consumer';
import { eventually, suiteGroup, uniqueName } from '../support/transports';
import { IngestHarness, startIngest } from '../ingest/ingest-app';
import { jsonHeaders, sampleEvent } from '../ingest/sample-events';

const DAY_MS = 86_400_000;
// other suites publish violations of the seed cameras to the same broker: this suite counts
// only the cameras of a centre of its own
const RUN = randomUUID().slice(0, 8);
const CENTRE = `centre-${RUN}`;
const NORTH = `north-${RUN}`;
const SOUTH = `south-${RUN}`;
const camera = (district: string, n: number): string => `${district}-cam-${n}`;

interface Page {
  items: { event_id: string; district_id: string | null; code: string; captured_at: string }[];
  next_cursor: string | null;
}

/** Violations pushed over HTTP reach Kafka, are logged once in PostgreSQL with their district,
 * republished on kuzet.violations.v1, and counted and paged by the query API. */
describe('violation log on Kafka and PostgreSQL', () => {
  let h: IngestHarness;
  let key: string;
  let readers: Subscription[] = [];
  const logged: InboundMessage[] = [];
  const deadLetters: InboundMessage[] = [];
  // a fixed reference day in the past of this run, noon in Aktau (UTC+5)
  const base = Math.floor((Date.now() - 3 * DAY_MS) / DAY_MS) * DAY_MS + 7 * 3_600_000;

  beforeAll(async () => {
    h = await startIngest({}, { withViolations: true });
    const put = async (url: string, body: object): Promise<void> => {
      expect((await h.admin('PUT', url, body)).statusCode).toBe(200);
    };
    await put(`/v1/centres/${CENTRE}`, {
      name: 'Test centre',
      kind: 'district',
      parent_centre_id: 'aktau',
    });
    for (const district of [NORTH, SOUTH]) {
      await put(`/v1/districts/${district}`, { name: district, centre_id: CENTRE });
      for (const n of [1, 2]) {
        const created = await h.admin('POST', '/v1/cameras', {
          id: camera(district, n),
          name: 'test camera',
          district_id: district,
        });
        expect(created.statusCode).toBe(201);
      }
    }
    key = (await h.createKey({ district_ids: [NORTH, SOUTH] })).key;
    readers = [
      await h.bus.subscribe({
        topic: TOPICS.violations,
        groupId: uniqueName('violations-reader'),
        handler: async (m) => {
          logged.push(m);
        },
      }),
      await h.bus.subscribe({
        topic: TOPICS.deadLetter,
        groupId: uniqueName('dead-letter-reader'),
        handler: async (m) => {
          if (m.headers[DEAD_LETTER_HEADERS.consumerGroup] === suiteGroup(VIOLATIONS_GROUP))
            deadLetters.push(m);
        },
      }),
    ];
  });

  afterAll(async () => {
    await Promise.all(readers.map((r) => r.close()));
    await h?.close();
  });

  function violation(cameraId: string, code: ViolationCode, capturedMs: number): CameraEvent {
    return sampleEvent('violation', (e) => {
      e.cameraId = cameraId;
      e.capturedAt = timestampFromMs(capturedMs);
      if (e.payload.case === 'violation') {
        e.payload.value.code = code;
        if (code !== ViolationCode.SPEEDING) {
          e.payload.value.measuredSpeedKmh = undefined;
          e.payload.value.limitSpeedKmh = undefined;
        }
      }
    });
  }

  const get = async <T>(url: string): Promise<T> => {
    const response = await h.admin('GET', url);
    expect({ url, status: response.statusCode, body: response.body }).toMatchObject({
      status: 200,
    });
    return response.json<T>();
  };

  async function loggedCount(eventIds: readonly string[]): Promise<number> {
    const rows = await h.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM violation_record WHERE event_id = ANY($1::uuid[])',
      [eventIds],
    );
    return rows[0]!.n;
  }

  async function waitLogged(eventIds: readonly string[]): Promise<void> {
    await eventually(
      async () => (await loggedCount(eventIds)) >= eventIds.length,
      `${eventIds.length} violations logged`,
      60_000,
    );
  }

  const batch = [
    violation(camera(NORTH, 1), ViolationCode.SPEEDING, base),
    violation(camera(NORTH, 2), ViolationCode.RED_LIGHT, base + 60_000),
    violation(camera(SOUTH, 1), ViolationCode.SPEEDING, base + DAY_MS),
    violation(camera(SOUTH, 2), ViolationCode.NO_SEAT_BELT, base + DAY_MS + 60_000),
    violation(camera(SOUTH, 1), ViolationCode.WRONG_WAY_DRIVING, base + 2 * DAY_MS),
  ];

  it('logs a valid batch pushed over HTTP with each camera’s district and republishes it', async () => {
    const response = await h.request({
      method: 'POST',
      url: '/v1/events',
      headers: jsonHeaders(key),
      payload: JSON.stringify({ events: batch.map(cameraEventToJson) }),
    });
    expect(response.statusCode).toBe(202);
    await waitLogged(batch.map((e) => e.eventId));

    const page = await get<Page>(`/v1/violations?centre_id=${CENTRE}`);
    const byId = new Map(page.items.map((v) => [v.event_id, v]));
    expect(byId.size).toBe(5);
    expect(byId.get(batch[0]!.eventId)).toMatchObject({
      district_id: NORTH,
      code: 'speeding',
    });
    expect(byId.get(batch[3]!.eventId)).toMatchObject({
      district_id: SOUTH,
      code: 'no_seat_belt',
    });
    expect(byId.get(batch[4]!.eventId)).toMatchObject({
      district_id: SOUTH,
      code: 'wrong_way_driving',
    });

    await eventually(
      () => batch.every((e) => logged.some((m) => idOf(m) === e.eventId)),
      'kuzet.violations.v1',
      60_000,
    );
    const south = logged.find((m) => idOf(m) === batch[2]!.eventId)!;
    expect(south.key).toBe(camera(SOUTH, 1));
    expect(south.headers['kuzet-district-id']).toBe(SOUTH);
    expect(south.headers['kuzet-centre-id']).toBe(CENTRE);
  });

  it('counts by district, by code, and by day and month in the centres’ time zone', async () => {
    const from = new Date(base - 3_600_000).toISOString();
    const range = `centre_id=${CENTRE}&from=${encodeURIComponent(from)}`;
    const byDistrict = await get<{ total: number; rows: { district_id: string; count: number }[] }>(
      `/v1/violations/stats?group_by=district&${range}`,
    );
    expect(byDistrict.total).toBe(5);
    expect(byDistrict.rows).toEqual([
      { district_id: NORTH, count: 2 },
      { district_id: SOUTH, count: 3 },
    ]);
    const byCode = await get<{ rows: { code: string; count: number }[] }>(
      `/v1/violations/stats?group_by=code&${range}`,
    );
    expect(byCode.rows).toEqual([
      { code: 'no_seat_belt', count: 1 },
      { code: 'red_light', count: 1 },
      { code: 'speeding', count: 2 },
      { code: 'wrong_way_driving', count: 1 },
    ]);
    const aktauDay = (ms: number) => new Date(ms + 5 * 3_600_000).toISOString().slice(0, 10);
    const byDay = await get<{ rows: { period: string; count: number }[] }>(
      `/v1/violations/stats?group_by=day&${range}`,
    );
    expect(byDay.rows).toEqual([
      { period: aktauDay(base), count: 2 },
      { period: aktauDay(base + DAY_MS), count: 2 },
      { period: aktauDay(base + 2 * DAY_MS), count: 1 },
    ]);
    const byDistrictMonth = await get<{
      rows: { district_id: string; period: string; count: number }[];
    }>(`/v1/violations/stats?group_by=district,month&code=speeding&${range}`);
    expect(byDistrictMonth.rows.map((r) => [r.district_id, r.count])).toEqual([
      [NORTH, 1],
      [SOUTH, 1],
    ]);
    expect(byDistrictMonth.rows[0]!.period).toMatch(/^\d{4}-\d{2}$/);

    const bad = await h.admin('GET', '/v1/violations/stats?group_by=day,month,colour');
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: { field: string }[] }>().errors[0]!.field).toMatch(/^group_by/);
  });

  it('pages newest first with a cursor and a bounded page size', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/violations?centre_id=${CENTRE}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: Page = await get<Page>(url);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((v) => v.event_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...batch].reverse().map((e) => e.eventId));
    expect((await h.admin('GET', '/v1/violations?limit=501')).statusCode).toBe(400);
    expect((await h.admin('GET', '/v1/violations?cursor=bogus')).statusCode).toBe(400);
    expect((await h.request({ method: 'GET', url: '/v1/violations' })).statusCode).toBe(401);
  });

  it('logs a violation delivered twice once, refuses an invalid one or one of an unregistered camera, and ignores other payloads', async () => {
    const twice = violation('zhanaozen-cam-0042', ViolationCode.RED_LIGHT, Date.now() - 60_000);
    const unknownCamera = violation(
      'unregistered-cam-9',
      ViolationCode.RED_LIGHT,
      Date.now() - 60_000,
    );
    const invalid = violation('zhanaozen-cam-0042', ViolationCode.SPEEDING, Date.now() - 60_000);
    if (invalid.payload.case === 'violation') invalid.payload.value.measuredSpeedKmh = 10;
    const unknownCode = violation(
      'zhanaozen-cam-0042',
      ViolationCode.RED_LIGHT,
      Date.now() - 60_000,
    );
    if (unknownCode.payload.case === 'violation')
      unknownCode.payload.value.code = 42 as ViolationCode;
    const alarm = sampleEvent('alarm');
    const last = violation('zhanaozen-cam-0042', ViolationCode.RED_LIGHT, Date.now() - 60_000);

    const record = (e: CameraEvent) => ({ key: e.cameraId, value: encodeCameraEvent(e) });
    await h.bus.publish(TOPICS.cameraEvents, [
      record(twice),
      record(invalid),
      record(twice),
      record(unknownCamera),
      record(unknownCode),
      record(alarm),
      record(last),
    ]);
    await waitLogged([twice.eventId, last.eventId]);
    // `last` shares the camera, hence the partition, of all but one: those were handled before it
    const all = [twice, unknownCamera, invalid, unknownCode, alarm, last].map((e) => e.eventId);
    expect(await loggedCount(all)).toBe(2);
    // the camera must be registered, as over HTTP (422): no violation no centre owns
    for (const refused of [unknownCamera, invalid, unknownCode, alarm]) {
      expect((await h.admin('GET', `/v1/violations/${refused.eventId}`)).statusCode).toBe(404);
    }
    // what the shared rules refuse is dead-lettered once, by the matcher's group
    // (test/kafka/camera-event-rules.e2e-spec.ts), never by the violation log's
    expect(deadLetters).toEqual([]);
    await eventually(
      () => logged.some((m) => idOf(m) === last.eventId),
      'the last violation republished',
      60_000,
    );
    expect(logged.filter((m) => idOf(m) === twice.eventId)).toHaveLength(1);
  });
});

/** The event id of a record, valid or not; null for bytes that are no CameraEvent at all,
 * which other suites put on the shared topics to test their dead-lettering. */
function idOf(message: InboundMessage): string | null {
  try {
    return fromBinary(CameraEventSchema, message.value).eventId;
  } catch {
    return null;
  }
}
