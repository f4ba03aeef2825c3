import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { generateApiKeyToken, hashApiKeySecret } from '@kuzet/auth';
import { ApiKeyRepository } from '../../libs/auth/src/api-keys/api-key.repository';
import {
  DEAD_LETTER_HEADERS,
  InboundMessage,
  MESSAGE_BUS,
  MessageBus,
  Subscription,
  TOPICS,
} from '@kuzet/messaging';
import { DEEPSTREAM_GROUP } from '../../apps/ingest/src/devices/deepstream.consumer';
import { mapDeepStreamMessage } from '../../apps/ingest/src/devices/deepstream.mapper';
import { createTestDatabase, TestDatabase } from '../support/database';
import { everyAppModule, startTestApp } from '../support/kuzet-app';
import { kafkaBrokers, suiteGroup, uniqueName } from '../support/transports';
import { waitFor } from '../support/wait';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');
const FIXTURES = resolve(__dirname, '../fixtures/deepstream');

const GUIDE = resolve(__dirname, '../../docs/integrator-guide.md');

/** The guide's examples (full schema: deepstream-dumping, minimal: deepstream-minimal), as the
 * guide shows them. */
function guideExample(id: string): string {
  const block = new RegExp(
    `<!-- device-example: ${id} -->\\s*\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``,
  ).exec(readFileSync(GUIDE, 'utf8'));
  if (!block) throw new Error(`the guide has no ${id} example`);
  return block[1]!;
}

/** A message as one line of JSON (a fixture, or the guide's example), with this run's message
 * id (or frame id) and time. */
function message(name: string, edit: (doc: Record<string, unknown>) => void = () => {}): string {
  const text = name.startsWith('guide:')
    ? guideExample(name.slice('guide:'.length))
    : readFileSync(join(FIXTURES, name), 'utf8');
  const doc = JSON.parse(text) as Record<string, unknown>;
  if ('messageid' in doc) doc['messageid'] = uniqueName('ds');
  else doc['id'] = uniqueName('frame');
  doc['@timestamp'] = new Date(Date.now() - 2000).toISOString();
  edit(doc);
  return JSON.stringify(doc);
}

function eventIds(line: string): string[] {
  const mapped = mapDeepStreamMessage(Buffer.from(line));
  if (!mapped.ok) throw new Error(JSON.stringify(mapped.errors));
  return mapped.events.map((e) => e.eventId);
}

/** DeepStream pipelines' nvmsgconv JSON, produced by kcat as docs/integrator-guide.md shows,
 * consumed from its own topic by the ingest and carried to the alerts and the plate reads on
 * the real broker and PostgreSQL. */
describe('DeepStream nvmsgconv on Kafka -> camera events', () => {
  const topic = uniqueName('deepstream.events');
  const apiKey = generateApiKeyToken();
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let db: DataSource;
  let dataDir: string;
  let deadLetterReader: Subscription;
  const letters: InboundMessage[] = [];

  /** `kcat -P -b <broker> -t <topic> -k <key> -l <file>`: one message a line. */
  function produce(lines: readonly string[], key = 'deepstream-0'): void {
    const file = join(dataDir, `${uniqueName('batch')}.jsonl`);
    writeFileSync(file, lines.join('\n') + '\n');
    execFileSync('kcat', ['-P', '-b', kafkaBrokers()[0]!, '-t', topic, '-k', key, '-l', file], {
      timeout: 30_000,
    });
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-deepstream-'));
    ({ app } = await startTestApp(everyAppModule(), {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      KUZET_REGION_FILE: REGION_FILE,
      RETENTION_PURGE_INTERVAL_MS: 0,
      DEEPSTREAM_TOPIC: topic,
      DEEPSTREAM_API_KEY: apiKey.token,
      DEEPSTREAM_FACE_MODEL_ID: 'fr_feature@1',
    }));
    db = app.get(DataSource);
    // the pipeline's key, scoped to Aktau city's cameras
    await app.get(ApiKeyRepository).insert({
      id: apiKey.id,
      integratorId: 'deepstream-aktau',
      label: 'Aktau DeepStream pipeline',
      secretSha256: hashApiKeySecret(apiKey.secret),
      cameraIds: [],
      districtIds: ['aktau-city'],
      rateLimitPerMinute: null,
      mayIdentify: false,
      digestHa1Md5: null,
      digestHa1Sha256: null,
    });
    const bus = app.get<MessageBus>(MESSAGE_BUS);
    deadLetterReader = await bus.subscribe({
      topic: TOPICS.deadLetter,
      groupId: uniqueName('dead-letter-reader'),
      handler: async (letter) => {
        if (letter.headers[DEAD_LETTER_HEADERS.sourceTopic] === topic) letters.push(letter);
      },
    });
  });

  afterAll(async () => {
    await deadLetterReader?.close();
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('turns full and minimal messages into events once, and dead-letters bad ones by field and rule', async () => {
    const dumping = message('guide:deepstream-dumping');
    const vehicle = message('full-vehicle.json');
    const minimal = message('minimal.json');
    // faces and vehicles as NVIDIA's nvmsgconv writes them (eventmsg_payload.cpp)
    const fullFace = message('full-face.json');
    const minimalFace = message('minimal-face.json');
    const minimalVehicles = message('guide:deepstream-minimal');
    const unknownSensor = message('full-person.json', (d) => {
      (d['sensor'] as Record<string, unknown>)['id'] = 'no-such-camera';
    });
    const noSensor = message('full-person.json', (d) => delete d['sensor']);
    const outOfScope = message('full-person.json', (d) => {
      (d['sensor'] as Record<string, unknown>)['id'] = 'zhanaozen-cam-0042';
    });
    // the dumping message twice (a pipeline's redelivery), the bad ones between the good
    produce([
      dumping,
      noSensor,
      vehicle,
      unknownSensor,
      minimal,
      fullFace,
      minimalFace,
      minimalVehicles,
      dumping,
      outOfScope,
    ]);

    const [dumpingId] = eventIds(dumping);
    const [vehicleId] = eventIds(vehicle);
    const minimalIds = eventIds(minimal);
    expect(minimalIds).toHaveLength(2);
    const [fullFaceId] = eventIds(fullFace);
    const minimalFaceIds = eventIds(minimalFace);
    const minimalVehicleIds = eventIds(minimalVehicles);
    expect([minimalFaceIds.length, minimalVehicleIds.length]).toEqual([2, 4]);

    const analytics = await waitFor(
      'the dumping and the minimal frame as analytics alerts for Aktau',
      async () => {
        const rows = await db.query<{ event_id: string; centre_id: string; message: string }[]>(
          `SELECT event_id, centre_id, message FROM alert WHERE kind = 'analytics' AND event_id = ANY($1::uuid[])`,
          [[dumpingId, ...minimalIds]],
        );
        return rows.length >= 2 && rows;
      },
      { timeoutMs: 60_000 },
    );
    const reads = await waitFor(
      'the two plate reads',
      async () => {
        const rows = await db.query<{ event_id: string; plate: string; camera_id: string }[]>(
          'SELECT event_id, plate_read AS plate, camera_id FROM plate_read WHERE event_id = ANY($1::uuid[])',
          [[vehicleId, ...minimalIds]],
        );
        return rows.length >= 2 && rows;
      },
      { timeoutMs: 60_000 },
    );
    const letter = (reason: string) =>
      waitFor(
        `a dead letter ${reason}`,
        () => {
          const found = letters.filter((l) => l.headers[DEAD_LETTER_HEADERS.reason] === reason);
          return found.length > 0 && found;
        },
        { timeoutMs: 60_000 },
      );
    // one key, one partition: the last message's letter comes after the others'
    const refused = await letter('deepstream_refused');
    const malformed = await letter('deepstream_malformed');
    const unknown = await letter('deepstream_unknown_sensor');

    expect(analytics.map((a) => a.centre_id)).toEqual(['aktau', 'aktau']);
    expect(analytics.find((a) => a.event_id === dumpingId)?.message).toBe(
      'illegal_dumping count=1 zone=uralsk-dostyk-yard-3',
    );
    expect(reads.every((r) => r.plate === '123ABC12' && r.camera_id === 'aktau-cam-0001')).toBe(
      true,
    );
    const nvidiaReads = await waitFor(
      "the minimal frame's Vehicle and VEHICLE_EXT plates",
      async () => {
        const rows = await db.query<{ plate: string }[]>(
          'SELECT plate_read AS plate FROM plate_read WHERE event_id = ANY($1::uuid[]) ORDER BY plate_read',
          [minimalVehicleIds],
        );
        return rows.length >= 2 && rows;
      },
      { timeoutMs: 60_000 },
    );
    expect(nvidiaReads.map((r) => r.plate)).toEqual(['123ABC12', '456DEF07']);
    expect(malformed.map((l) => l.value.toString())).toEqual([noSensor]);
    expect(JSON.parse(malformed[0]!.headers[DEAD_LETTER_HEADERS.details]!)).toEqual([
      expect.objectContaining({ field: 'sensor.id', rule: 'required' }),
    ]);
    expect(malformed[0]!.headers[DEAD_LETTER_HEADERS.consumerGroup]).toBe(
      suiteGroup(DEEPSTREAM_GROUP),
    );
    expect(unknown.map((l) => l.value.toString())).toEqual([unknownSensor]);
    expect(JSON.parse(unknown[0]!.headers[DEAD_LETTER_HEADERS.details]!)).toEqual([
      expect.objectContaining({ field: 'sensor.id', rule: 'unregistered' }),
    ]);
    expect(refused.map((l) => l.value.toString())).toEqual([outOfScope]);
    expect(JSON.parse(refused[0]!.headers[DEAD_LETTER_HEADERS.details]!)).toEqual([
      expect.objectContaining({ field: 'camera_id', rule: 'scope' }),
    ]);

    // accepted = stored: each event id recorded once by the ingest, one alert per detection
    const ids = [
      dumpingId!,
      vehicleId!,
      ...minimalIds,
      fullFaceId!,
      ...minimalFaceIds,
      ...minimalVehicleIds,
    ];
    const [{ ingested, sources }] = await db.query<{ ingested: number; sources: string[] }[]>(
      `SELECT count(*)::int AS ingested, array_agg(DISTINCT k.integrator_id) AS sources
         FROM ingested_event e JOIN integrator_api_key k ON k.id = e.api_key_id
        WHERE e.event_id = ANY($1::uuid[]) AND e.published_at IS NOT NULL`,
      [ids],
    );
    // the two faces (full and minimal schema) among them, with DEEPSTREAM_FACE_MODEL_ID
    expect(ingested).toBe(4 + 1 + 2 + 4);
    expect(sources).toEqual(['deepstream-aktau']);
    const [{ alerts }] = await db.query<{ alerts: number }[]>(
      `SELECT count(*)::int AS alerts FROM alert WHERE event_id = $1`,
      [dumpingId],
    );
    expect(alerts).toBe(1);
    // dumping is also an administrative violation, counted for its district; a crowd of
    // people (the minimal frame) is not
    const violations = await waitFor(
      'the dumping in the violation log',
      async () => {
        const rows = await db.query<{ event_id: string; code: string; district_id: string }[]>(
          'SELECT event_id, code, district_id FROM violation_record WHERE event_id = ANY($1::uuid[])',
          [ids],
        );
        return rows.length > 0 && rows;
      },
      { timeoutMs: 60_000 },
    );
    expect(violations).toEqual([
      { event_id: dumpingId, code: 'illegal_dumping', district_id: 'aktau-city' },
    ]);
    // its evidence is the analytics alert the dumping was folded into
    const [evidence] = await db.query<{ evidence_ref: string }[]>(
      'SELECT evidence_ref FROM violation_record WHERE event_id = $1',
      [dumpingId],
    );
    const [alertOfDumping] = await db.query<{ id: string }[]>(
      `SELECT id FROM alert WHERE kind = 'analytics' AND event_id = $1`,
      [dumpingId],
    );
    expect(evidence!.evidence_ref).toBe(`kuzet:alert/${alertOfDumping!.id}`);
    const [{ last_seen_at }] = await db.query<{ last_seen_at: Date | null }[]>(
      `SELECT last_seen_at FROM camera WHERE id = 'aktau-cam-0002'`,
    );
    expect(last_seen_at).not.toBeNull();
  });
});
