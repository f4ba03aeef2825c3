import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFile } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { DataSource } from 'typeorm';
import { fromBinary } from '@bufbuild/protobuf';
import { CameraEventSchema } from '@kuzet/contracts';
import { InboundMessage, MESSAGE_BUS, MessageBus, Subscription, TOPICS } from '@kuzet/messaging';
import { AlertEntity, ViolationRecordEntity, WatchlistHitEntity } from '@kuzet/persistence';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { ViolationsModule } from '../../apps/violations/src/violations.module';
import { KAFKA_CACHE_DIR } from '../setup/kafka-broker';
import { createTestDatabase, TestDatabase } from '../support/database';
import { asJpeg, personPhoto } from '../support/faces';
import { startTestApp } from '../support/kuzet-app';
import { signInAs } from '../support/staff';
import { eventually, kafkaBrokers, uniqueName } from '../support/transports';

const ROOT = resolve(__dirname, '../..');
const GUIDE = join(ROOT, 'docs/integrator-guide.md');
const REGION_FILE = join(ROOT, 'deploy/config/region.yaml');
const GUIDE_URL = 'http://127.0.0.1:3000';
const GUIDE_BROKER = 'kafka:9092';
/** The runtime for code protoc 3.21 (Debian 12's) generates; from Maven Central. */
const PROTOBUF_JAVA = '3.25.5';
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;

interface Example {
  readonly language: string;
  readonly code: string;
}

/** The fenced blocks of the guide marked `<!-- example: id -->`: what this test runs is what an
 * integrator reads. */
function guideExamples(): Map<string, Example> {
  const text = readFileSync(GUIDE, 'utf8');
  const examples = new Map<string, Example>();
  for (const m of text.matchAll(/<!-- example: ([\w-]+) -->\s*\n```(\w+)\n([\s\S]*?)\n```/g)) {
    examples.set(m[1]!, { language: m[2]!, code: m[3]! });
  }
  return examples;
}

/** Issue 13, part 6: every runnable example of docs/integrator-guide.md, run as written but
 * for the server's address, the broker's and a current time. */
describe('the integrator guide, run', () => {
  const examples = guideExamples();
  let app: NestFastifyApplication;
  let database: TestDatabase;
  let dataSource: DataSource;
  let url: string;
  let key: string;
  let work: string;
  let reader: Subscription;
  let removeAmy: (() => Promise<{ statusCode: number }>) | undefined;
  const records: InboundMessage[] = [];

  const example = (id: string): Example => {
    const found = examples.get(id);
    if (!found) throw new Error(`the guide has no example ${id}`);
    return found;
  };
  const localise = (code: string): string =>
    code
      .replaceAll(GUIDE_URL, url)
      .replaceAll(GUIDE_BROKER, kafkaBrokers().join(','))
      .replace(ISO_TIME, () => new Date(Date.now() - 2_000).toISOString());
  const sh = async (code: string): Promise<string> => {
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', code], {
      cwd: work,
      env: { ...process.env, KEY: key },
    });
    return stdout;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp(
      [IngestModule, MatcherModule, ViolationsModule, OpsCenterModule],
      { DATABASE_URL: database.url, KUZET_REGION_FILE: REGION_FILE },
    ));
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    dataSource = app.get(DataSource);
    work = mkdtempSync(join(tmpdir(), 'kuzet-guide-'));
    symlinkSync(join(ROOT, 'proto'), join(work, 'proto'));
    writeFileSync(join(work, 'frame.jpg'), await asJpeg(personPhoto('amy', 2)));

    const staff = await signInAs(app, ['system-admin', 'watchlist-admin']);
    const created = await app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: staff.headers,
      payload: {
        integrator_id: 'vendor-a',
        label: 'the guide',
        district_ids: ['munaily'],
        camera_ids: ['aktau-cam-0001'],
      },
    });
    expect(created.statusCode).toBe(201);
    key = created.json<{ key: string }>().key;
    // Amy is wanted: a frame of her (over HTTP or from kcat) is a hit
    const list = await app.inject({
      method: 'POST',
      url: '/v1/watchlists',
      headers: staff.headers,
      payload: { name: 'Wanted (guide)', category: 'wanted', similarity_threshold: 0.5 },
    });
    const amy = await app.inject({
      method: 'POST',
      url: `/v1/watchlists/${list.json<{ id: string }>().id}/persons`,
      headers: staff.headers,
      payload: {
        full_name: 'amy',
        photos: [{ name: 'amy1.png', data: personPhoto('amy', 1).toString('base64') }],
      },
    });
    expect(amy.statusCode).toBe(201);
    // every matcher of later suites reads the shared watchlist-changes topic: Amy leaves it
    // again at the end, or their matchers would find this suite's Amy, whom their databases lack
    const amyId = amy.json<{ person: { id: string } }>().person.id;
    removeAmy = () =>
      app.inject({
        method: 'DELETE',
        url: `/v1/persons/${amyId}`,
        headers: staff.headers,
        payload: { reason: 'end of the guide' },
      });
    reader = await app.get<MessageBus>(MESSAGE_BUS).subscribe({
      topic: TOPICS.cameraEvents,
      groupId: uniqueName('guide-reader'),
      handler: async (message) => {
        records.push(message);
      },
      newGroupStartsAt: 'latest',
    });
    // the matcher's index has the enrolment once the change is on its topic and applied
    await new Promise((r) => setTimeout(r, 2_000));
  });

  afterAll(async () => {
    if (removeAmy) expect((await removeAmy()).statusCode).toBe(200);
    await reader?.close();
    await app?.close();
    await database?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const hitsAt = (cameraId: string): Promise<WatchlistHitEntity[]> =>
    dataSource.getRepository(WatchlistHitEntity).findBy({ cameraId });
  const alarmsAt = (cameraId: string): Promise<AlertEntity[]> =>
    dataSource.getRepository(AlertEntity).findBy({ cameraId, kind: 'alarm' });

  it('shows the key its scope, limits and cameras', async () => {
    const out = await sh(localise(example('http-me').code));
    const [me, cameras] = out.split(/(?<=\})(?=\{"cameras")/);
    expect(JSON.parse(me!)).toMatchObject({
      integrator_id: 'vendor-a',
      scope: { camera_ids: ['aktau-cam-0001'], district_ids: ['munaily'] },
      limits: { requests_per_minute: 6_000, max_batch_events: 500 },
    });
    // the staff registry, tried with the key, points to the integrator's endpoints
    const staffOnly = await app.inject({
      method: 'GET',
      url: '/v1/cameras',
      headers: { 'x-api-key': key },
    });
    expect(staffOnly.statusCode).toBe(401);
    const [staffError] = staffOnly.json<{ errors: { rule: string; message: string }[] }>().errors;
    expect(staffError).toMatchObject({ rule: 'unauthenticated' });
    expect(staffError!.message).toContain('GET /v1/integrator/me');
    const ids = JSON.parse(cameras!) as { cameras: { id: string }[] };
    expect(ids.cameras.map((c) => c.id)).toEqual([
      'aktau-cam-0001',
      'munaily-cam-0001',
      'munaily-cam-0002',
    ]);
  });

  it('accepts the JSON event of the guide, and logs its violation', async () => {
    const out = await sh(localise(example('http-event').code));
    const answer = JSON.parse(out) as { event_id: string; status: string };
    expect(answer.status).toBe('accepted');
    await eventually(
      async () =>
        (await dataSource
          .getRepository(ViolationRecordEntity)
          .findOneBy({ eventId: answer.event_id })) !== null,
      'the violation logged',
      60_000,
    );
  });

  it('accepts the JPEG frame of the guide, and matches the face in it', async () => {
    const out = await sh(localise(example('http-frame').code));
    expect(JSON.parse(out)).toMatchObject({ status: 'accepted' });
    await eventually(async () => (await hitsAt('aktau-cam-0001')).length > 0, 'a hit', 90_000);
  });

  it('registers the badge and its key as section 10 says, and identifies the face of its photo', async () => {
    const admin = await signInAs(app, ['system-admin']);
    const setup = await sh(`TOKEN=${admin.token}\n${localise(example('badge-setup').code)}`);
    const [camera, issued] = setup.split(/(?<=\})(?=\{"id")/);
    expect(JSON.parse(camera!)).toMatchObject({ id: 'aktau-badge-0417', kind: 'badge' });
    const badgeKey = JSON.parse(issued!) as { key: string; identify: boolean };
    expect(badgeKey.identify).toBe(true);
    writeFileSync(join(work, 'face.jpg'), await asJpeg(personPhoto('amy', 3)));
    const answer = JSON.parse(
      await sh(`KEY=${badgeKey.key}\n${localise(example('badge-identify').code)}`),
    ) as { hits: Array<{ full_name: string }> };
    expect(answer.hits.map((hit) => hit.full_name)).toEqual(['amy']);
  });

  it('produces with the TypeScript example, and the alarm becomes an alert', async () => {
    const dir = mkdtempSync(join(ROOT, 'test/guide/.run-'));
    try {
      const code = localise(example('kafka-ts').code);
      // top-level await, as the guide shows it: run in an async function
      const lastImport = code.lastIndexOf('\nimport ');
      const split = code.indexOf(';\n', lastImport) + 2;
      const file = join(dir, 'produce.ts');
      writeFileSync(
        file,
        `${code.slice(0, split)}\n(async () => {\n${code.slice(split)}\n})().catch((e) => {\n  console.error(e);\n  process.exit(1);\n});\n`,
      );
      await promisify(execFile)(process.execPath, ['-r', join(ROOT, 'tools/register-ts.js'), file]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await eventually(
      async () => (await alarmsAt('beineu-sos-0003')).length > 0,
      'the alert',
      60_000,
    );
  });

  it('produces with protoc text format and kcat: alerted, logged and matched like kafkajs records', async () => {
    const kcat = localise(example('kafka-kcat').code);
    await sh(kcat);
    // the same commands for a violation and for a frame of Amy
    const withPayload = (cameraId: string, payload: string): string =>
      kcat.replace(/^alarm \{.*\}$/m, payload).replaceAll('aktau-sos-0001', cameraId);
    await sh(
      withPayload(
        'munaily-cam-0002',
        'violation { code: VIOLATION_CODE_RED_LIGHT plate: "123ABC12" evidence_ref: "https://evidence.example/1.jpg" }',
      ),
    );
    const jpeg = [...readFileSync(join(work, 'frame.jpg'))]
      .map((b) => `\\${b.toString(8).padStart(3, '0')}`)
      .join('');
    await sh(withPayload('aktau-cam-0002', `face_frame { jpeg: "${jpeg}" }`));

    await eventually(
      async () => (await alarmsAt('aktau-sos-0001')).length > 0,
      'the alert',
      60_000,
    );
    const [kcatAlarm] = await alarmsAt('aktau-sos-0001');
    const [kafkajsAlarm] = await alarmsAt('beineu-sos-0003');
    expect(kcatAlarm).toMatchObject({
      kind: 'alarm',
      state: 'new',
      centreId: 'aktau',
      message: 'SOS at the post',
      priority: kafkajsAlarm?.priority,
    });
    await eventually(
      async () =>
        (await dataSource
          .getRepository(ViolationRecordEntity)
          .findOneBy({ cameraId: 'munaily-cam-0002' })) !== null,
      'the violation logged',
      60_000,
    );
    await eventually(async () => (await hitsAt('aktau-cam-0002')).length > 0, 'a hit', 90_000);
    const [kcatHit] = await hitsAt('aktau-cam-0002');
    const [httpHit] = await hitsAt('aktau-cam-0001');
    expect(kcatHit!.personId).toBe(httpHit!.personId);
  });

  it('produces with the Java example (kafka-clients, protobuf-java), and the alarm becomes an alert', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kuzet-guide-java-'));
    const run = (file: string, args: string[]) =>
      promisify(execFile)(file, args, { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    try {
      await run('mvn', [
        '-q',
        '-B',
        'dependency:copy',
        `-Dartifact=com.google.protobuf:protobuf-java:${PROTOBUF_JAVA}`,
        `-DoutputDirectory=${join(dir, 'lib')}`,
      ]);
      await run('protoc', [
        `-I${join(ROOT, 'proto')}`,
        `--java_out=${dir}`,
        // camera_event.proto imports its payloads' files: generate them all, as the guide says
        ...readdirSync(join(ROOT, 'proto/kuzet/v1'))
          .filter((name) => name.endsWith('.proto'))
          .map((name) => `kuzet/v1/${name}`),
      ]);
      writeFileSync(join(dir, 'ProduceAlarm.java'), localise(example('kafka-java').code));
      const kafkaLibs = readdirSync(KAFKA_CACHE_DIR)
        .filter((name) => /^kafka-[\d.]+$/.test(name))
        .map((name) => join(KAFKA_CACHE_DIR, name, 'libs'))[0]!;
      const classpath = [join(dir, 'lib', '*'), join(kafkaLibs, '*')].join(':');
      await run('javac', [
        '-nowarn',
        '-cp',
        classpath,
        '-d',
        join(dir, 'classes'),
        ...readdirSync(join(dir, 'kuzet/v1')).map((name) => join(dir, 'kuzet/v1', name)),
        join(dir, 'ProduceAlarm.java'),
      ]);
      await run('java', ['-cp', `${join(dir, 'classes')}:${classpath}`, 'ProduceAlarm']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await eventually(
      async () => (await alarmsAt('zhanaozen-sos-0001')).length > 0,
      'the alert',
      60_000,
    );
  }, 240_000);

  it('puts a camera’s records from kcat (murmur2_random) on the partition kafkajs picks', async () => {
    const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPICS.cameraEvents] });
    await admin.disconnect();
    const partitionMetadata = metadata.topics[0]!.partitions;
    const kafkajsPartition = (cameraId: string): number =>
      Partitioners.DefaultPartitioner()({
        topic: TOPICS.cameraEvents,
        partitionMetadata,
        message: { key: cameraId, value: null },
      });
    await eventually(
      () =>
        ['aktau-sos-0001', 'munaily-cam-0002', 'aktau-cam-0002'].every((k) =>
          records.some((r) => r.key === k),
        ),
      'the kcat records',
      60_000,
    );
    for (const cameraId of ['aktau-sos-0001', 'munaily-cam-0002', 'aktau-cam-0002']) {
      const record = records.find((r) => r.key === cameraId)!;
      expect(fromBinary(CameraEventSchema, record.value).sourceId).toBe('vendor-a');
      expect(record.partition).toBe(kafkajsPartition(cameraId));
    }
  });
});
