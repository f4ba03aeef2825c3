import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import {
  CameraEventSchema,
  create,
  decodeWatchlistHit,
  encodeCameraEvent,
  timestampFromDate,
} from '@kuzet/contracts';
import { KafkaMessageBus, OutboundMessage, Subscription, TOPICS } from '@kuzet/messaging';
import { MATCHER_GROUP } from '../../apps/matcher/src/camera-events/camera-event.consumer';
import { registerCameras } from '../support/cameras';
import { createTestDatabase, TestDatabase } from '../support/database';
import { PEOPLE, personPhoto } from '../support/faces';
import { freePort, RunningProcess, startNode, waitForHttp } from '../support/process';
import { TEST_AUDIT_CHAIN_KEYS, TEST_JWT_SECRET } from '../support/staff';
import {
  eventually,
  kafkaBrokers,
  SUITE_GROUPS,
  suiteGroup,
  uniqueName,
} from '../support/transports';
import { sleep, waitUntil } from '../support/wait';

const MAIN = resolve(__dirname, '../../dist/apps/matcher/src/main.js');
const CLI = resolve(__dirname, '../../dist/apps/cli/src/main.js');
const DIMENSION = 512;
const THRESHOLD = 0.6;
const STREAM_EVENTS = 1_000;
/** Every HIT_EVERY-th event of the stream is a known face: 100 hits, 900 strangers. */
const HIT_EVERY = 10;
const STREAM_SECONDS = 10;
const BATCHES_PER_SECOND = 10;
const CAMERAS = 16;
/** The matcher is killed once this many of the stream's hits are in the match log. */
const KILL_AFTER_LOGGED_HITS = 10;
/**
 * The photo each person is enrolled from. Not photo 1: the watchlist e2e enrols photo 1 and
 * its enrolments stay on the shared compacted change topic, which every matcher of the run
 * replays into its index. Probes planted near photo 2's embedding are far closer to it
 * (about 0.9) than to another photo of the same person, so they never match the other
 * suite's people, whose ids this suite's database does not have.
 */
const ENROLLED_SHOT = 2;

type Vector = Float32Array;

interface Enrolled {
  readonly personId: string;
  readonly embedding: Vector;
}

interface PlannedEvent {
  readonly eventId: string;
  readonly cameraId: string;
  readonly embedding: Vector;
  /** The enrolled person the face was planted near, if it is a known face. */
  readonly target: Enrolled | null;
}

interface HitRow {
  readonly eventId: string;
  readonly personId: string;
  readonly hitId: string;
}

function unit(values: Float32Array): Vector {
  let norm = 0;
  for (const v of values) norm += v * v;
  norm = Math.sqrt(norm);
  for (let i = 0; i < values.length; i++) values[i] = values[i]! / norm;
  return values;
}

function dot(a: Vector, b: Vector): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** A standard normal deviate (Box-Muller). */
function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

function randomUnit(): Vector {
  return unit(Float32Array.from({ length: DIMENSION }, gaussian));
}

/** A face of the same person seen again: the enrolled embedding plus noise, similarity about
 * 0.9 to it (sigma * sqrt(512) is about tan(acos(0.9))). */
function near(embedding: Vector): Vector {
  const sigma = 0.021;
  return unit(Float32Array.from(embedding, (v) => v + sigma * gaussian()));
}

function embeddingFromBytes(bytes: Buffer): Vector {
  const vector = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}

const key = (eventId: string, personId: string): string => `${eventId}/${personId}`;

/** `kuzet users create-admin` with the built CLI, as an operator bootstraps a deployment. */
function createAdmin(databaseUrl: string, username: string, password: string): Promise<void> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [CLI, 'users', 'create-admin', '--username', username],
      {
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          KUZET_ADMIN_PASSWORD: password,
          AUDIT_CHAIN_KEYS: TEST_AUDIT_CHAIN_KEYS,
        },
        timeout: 60_000,
      },
      (error, _stdout, stderr) =>
        error ? fail(new Error(`kuzet users create-admin failed: ${stderr}`)) : done(),
    );
  });
}

/**
 * The fault test of issue 4: the built matcher, a real broker and PostgreSQL; the matcher is
 * SIGKILLed in the middle of a paced stream of 1,000 face observations with 100 known faces,
 * restarted, and afterwards every expected hit is in the match log exactly once, nothing else
 * is, and every hit reached the hits topic with the hit id the database has.
 */
describe('matcher killed mid-stream (SIGKILL) and restarted', () => {
  let database: TestDatabase;
  let db: Client;
  let bus: KafkaMessageBus;
  let admin: Admin;
  let hitsReader: Subscription | undefined;
  const matchers: RunningProcess[] = [];
  let base = '';
  const cameraPrefix = uniqueName('fault-cam');
  const published: HitRow[] = [];
  const enrolled: Enrolled[] = [];
  let modelId = '';
  let auth: Record<string, string> = {};

  const http = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const signIn = async (username: string, password: string): Promise<void> => {
    auth = {};
    const response = await http('POST', '/v1/auth/login', { username, password });
    expect(response.status).toBe(200);
    auth = {
      authorization: `Bearer ${((await response.json()) as { access_token: string }).access_token}`,
    };
  };

  const startMatcher = async (): Promise<RunningProcess> => {
    const port = await freePort();
    const running = startNode(MAIN, {
      HTTP_PORT: String(port),
      DATABASE_URL: database.url,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_TOPIC_PARTITIONS: '3',
      ...SUITE_GROUPS,
      MATCHER_DEDUP_WINDOW_MS: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      AUDIT_CHAIN_KEYS: TEST_AUDIT_CHAIN_KEYS,
      LOG_LEVEL: process.env.KUZET_TEST_LOGS ? 'info' : 'warn',
    });
    matchers.push(running);
    base = `http://127.0.0.1:${port}`;
    return running;
  };

  const loggedHits = async (): Promise<HitRow[]> => {
    const { rows } = await db.query<{ event_id: string; person_id: string; hit_id: string }>(
      `SELECT event_id, person_id, hit_id FROM match_log WHERE starts_with(camera_id, $1)`,
      [cameraPrefix],
    );
    return rows.map((r) => ({ eventId: r.event_id, personId: r.person_id, hitId: r.hit_id }));
  };

  const encode = (event: PlannedEvent): OutboundMessage => ({
    key: event.cameraId,
    value: encodeCameraEvent(
      create(CameraEventSchema, {
        eventId: event.eventId,
        cameraId: event.cameraId,
        capturedAt: timestampFromDate(new Date()),
        payload: {
          case: 'faceObservation',
          value: {
            embedding: Array.from(event.embedding),
            modelId,
            quality: 0.9,
            box: { x: 10, y: 10, width: 112, height: 112 },
          },
        },
      }),
    ),
  });

  /** True once the matcher's group has committed everything on the camera-events topic. */
  const allCommitted = async (): Promise<boolean> => {
    const [ends, committed] = await Promise.all([
      admin.fetchTopicOffsets(TOPICS.cameraEvents),
      admin.fetchOffsets({ groupId: suiteGroup(MATCHER_GROUP), topics: [TOPICS.cameraEvents] }),
    ]);
    const done = new Map(
      committed.flatMap((t) => t.partitions).map((p) => [p.partition, BigInt(p.offset)]),
    );
    return ends.every((end) => (done.get(end.partition) ?? -1n) >= BigInt(end.high));
  };

  beforeAll(async () => {
    for (const built of [MAIN, CLI]) {
      if (!existsSync(built))
        throw new Error(`${built} is missing: run npm run build (npm test does)`);
    }
    database = await createTestDatabase();
    db = new Client({ connectionString: database.url });
    await db.connect();
    bus = new KafkaMessageBus({
      brokers: kafkaBrokers(),
      clientId: 'kuzet-fault-test',
      defaultPartitions: 3,
      replicationFactor: 1,
    });
    const kafka = new Kafka({
      clientId: 'kuzet-fault-test-admin',
      brokers: kafkaBrokers(),
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();

    const first = await startMatcher();
    await waitForHttp(`${base}/health/ready`, (s) => s === 200, 90_000, first);

    hitsReader = await bus.subscribe({
      topic: TOPICS.watchlistHits,
      groupId: uniqueName('fault-hits-reader'),
      handler: async (message) => {
        const decoded = decodeWatchlistHit(message.value);
        if (decoded.ok && decoded.value.cameraId.startsWith(cameraPrefix)) {
          const { eventId, personId, hitId } = decoded.value;
          published.push({ eventId, personId, hitId });
        }
      },
    });

    // a system administrator from the CLI creates a watchlist administrator, who enrols the
    // people over real HTTP
    const adminPassword = `pw-${randomUUID()}`;
    await createAdmin(database.url, 'fault-admin', adminPassword);
    await signIn('fault-admin', adminPassword);
    const listAdminPassword = `pw-${randomUUID()}`;
    const user = await http('POST', '/v1/users', {
      username: 'fault-list-admin',
      password: listAdminPassword,
      roles: ['watchlist-admin'],
    });
    expect(user.status).toBe(201);
    await signIn('fault-list-admin', listAdminPassword);

    const list = await http('POST', '/v1/watchlists', {
      name: 'Wanted (fault test)',
      category: 'wanted',
      similarity_threshold: THRESHOLD,
    });
    expect(list.status).toBe(201);
    const watchlistId = ((await list.json()) as { id: string }).id;
    for (const person of PEOPLE) {
      const response = await http('POST', `/v1/watchlists/${watchlistId}/persons`, {
        full_name: person,
        photos: [
          {
            name: `${person}${ENROLLED_SHOT}.png`,
            data: personPhoto(person, ENROLLED_SHOT).toString('base64'),
          },
        ],
      });
      expect(response.status).toBe(201);
      const body = (await response.json()) as { person: { id: string; status: string } };
      expect(body.person.status).toBe('active');
    }

    // the enrolled embeddings, as the matcher's index rebuild reads them
    const { rows } = await db.query<{ person_id: string; embedding: Buffer; model_id: string }>(
      'SELECT person_id, embedding, model_id FROM enrolled_face',
    );
    expect(rows).toHaveLength(PEOPLE.length);
    for (const row of rows) {
      enrolled.push({
        personId: row.person_id,
        embedding: unit(embeddingFromBytes(row.embedding)),
      });
    }
    modelId = rows[0]!.model_id;
    expect(modelId).toBe('faceplugin-face-recognition-js/fr_feature');
  }, 180_000);

  afterAll(async () => {
    // Removing the people publishes their removal, so later suites replaying the shared change
    // topic end up without them.
    const live = matchers.find((m) => m.child.exitCode === null && m.child.signalCode === null);
    if (live) {
      for (const { personId } of enrolled) {
        await http('DELETE', `/v1/persons/${personId}`, { reason: 'end of the test' }).catch(
          () => undefined,
        );
      }
    }
    await hitsReader?.close();
    for (const matcher of matchers) await matcher.stop('SIGTERM', 20_000);
    await bus?.close();
    await admin?.disconnect();
    await db?.end();
    await database?.drop();
  }, 120_000);

  it('keeps every hit exactly once in the match log and on the hits topic with the same hit id', async () => {
    // The oracle: the planted person for each known face, and nobody for random faces, checked
    // with plain dot products against the enrolled embeddings before anything is sent.
    const plan: PlannedEvent[] = [];
    for (let i = 0; i < STREAM_EVENTS; i++) {
      const target =
        i % HIT_EVERY === HIT_EVERY / 2
          ? enrolled[Math.floor(i / HIT_EVERY) % enrolled.length]!
          : null;
      plan.push({
        eventId: randomUUID(),
        cameraId: `${cameraPrefix}-${i % CAMERAS}`,
        embedding: target ? near(target.embedding) : randomUnit(),
        target,
      });
    }
    const warmUp: PlannedEvent = {
      eventId: randomUUID(),
      cameraId: `${cameraPrefix}-warm-up`,
      embedding: near(enrolled[0]!.embedding),
      target: enrolled[0]!,
    };
    for (const event of [warmUp, ...plan]) {
      const ranked = enrolled
        .map((e) => ({ e, similarity: dot(e.embedding, event.embedding) }))
        .sort((a, b) => b.similarity - a.similarity);
      if (event.target) {
        expect(ranked[0]!.e).toBe(event.target);
        expect(ranked[0]!.similarity).toBeGreaterThan(THRESHOLD + 0.15);
        expect(ranked[1]!.similarity).toBeLessThan(THRESHOLD - 0.1);
      } else {
        expect(ranked[0]!.similarity).toBeLessThan(THRESHOLD - 0.2);
      }
    }
    const expectedHits = [warmUp, ...plan].filter((e) => e.target);
    const expected = new Set(expectedHits.map((e) => key(e.eventId, e.target!.personId)));
    expect(expected.size).toBe(STREAM_EVENTS / HIT_EVERY + 1);

    await registerCameras(db, [...new Set([warmUp, ...plan].map((e) => e.cameraId))]);
    // One known face first: once it is logged, the matcher owns the partitions and has read
    // whatever other suites left on the shared topic before this run's events.
    await bus.publish(TOPICS.cameraEvents, [encode(warmUp)]);
    await eventually(async () => (await loggedHits()).length === 1, 'the warm-up hit', 60_000);

    // The stream, paced: STREAM_EVENTS over STREAM_SECONDS in small produce requests. The
    // matcher is SIGKILLed as soon as some of the stream's hits are logged, and restarted at
    // once while the stream goes on.
    const perBatch = STREAM_EVENTS / (STREAM_SECONDS * BATCHES_PER_SECOND);
    const started = Date.now();
    let killedAt: { sent: number; logged: number } | undefined;
    let killedExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const killWhenDue = async (sent: number): Promise<void> => {
      if (killedAt) return;
      const logged = (await loggedHits()).length - 1; // without the warm-up
      if (logged < KILL_AFTER_LOGGED_HITS) return;
      const victim = matchers[matchers.length - 1]!;
      await victim.stop('SIGKILL');
      killedExit = { code: victim.child.exitCode, signal: victim.child.signalCode };
      killedAt = { sent, logged };
      await startMatcher();
    };
    for (let sent = 0; sent < plan.length; sent += perBatch) {
      const due = started + (sent / perBatch) * (1000 / BATCHES_PER_SECOND);
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      await bus.publish(TOPICS.cameraEvents, plan.slice(sent, sent + perBatch).map(encode));
      await killWhenDue(sent + perBatch);
    }
    // on a loaded machine the matcher may lag the paced stream: it is then killed while it
    // works through the backlog, which is just as much in the middle of its stream (how long
    // the paced stream took is the benchmark's business, not this test's)
    await waitUntil(
      `${KILL_AFTER_LOGGED_HITS} of the stream's hits logged, to kill the matcher`,
      async () => {
        await killWhenDue(plan.length);
        return killedAt !== undefined;
      },
      { timeoutMs: 120_000, intervalMs: 50 },
    );

    // killed by the signal, in the middle of the stream, with part of the hits logged
    expect(killedExit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(killedAt).toBeDefined();
    expect(killedAt!.logged).toBeLessThan(expected.size / 2);

    // The restarted matcher joins once the killed member's session has expired (30 s), then
    // works through the rest; done when its group has committed the whole topic.
    const restarted = matchers[matchers.length - 1]!;
    await waitForHttp(`${base}/health/ready`, (s) => s === 200, 90_000, restarted);
    await eventually(
      async () => (await loggedHits()).length >= expected.size,
      'every expected hit in the match log',
      150_000,
    ).catch(async (error: unknown) => {
      const count = (await loggedHits()).length;
      const metrics = await fetch(`${base}/metrics`)
        .then((r) => r.text())
        .catch((e: unknown) => String(e));
      const counters = metrics
        .split('\n')
        .filter((line) => /^kuzet_(matcher|message)/.test(line))
        .join('\n');
      throw new Error(
        `${String(error)}: ${count} of ${expected.size} logged; the restarted matcher's counters:\n${counters}\nits log:\n${restarted.output().slice(-3000)}`,
      );
    });
    await eventually(allCommitted, 'the matcher group to commit the whole topic', 60_000);
    await eventually(
      () => expected.size <= new Set(published.map((h) => key(h.eventId, h.personId))).size,
      'every expected hit on the hits topic',
      30_000,
    );

    // the match log: exactly the expected hits, each once, and nothing else for these cameras
    const logged = await loggedHits();
    expect(logged).toHaveLength(expected.size);
    expect(new Set(logged.map((h) => key(h.eventId, h.personId)))).toEqual(expected);
    // the hits: one per sighting (no dedup window), none half-written by the crash
    const { rows: hitRows } = await db.query<{ hit_id: string; event_id: string }>(
      'SELECT hit_id, event_id FROM watchlist_hit WHERE starts_with(camera_id, $1)',
      [cameraPrefix],
    );
    expect(hitRows).toHaveLength(expected.size);
    expect(new Set(hitRows.map((r) => r.hit_id))).toEqual(new Set(logged.map((h) => h.hitId)));

    // the hits topic: every expected hit at least once, always with the database's hit id
    const hitIdOf = new Map(logged.map((h) => [key(h.eventId, h.personId), h.hitId]));
    for (const hit of published) {
      expect(hitIdOf.get(key(hit.eventId, hit.personId))).toBe(hit.hitId);
    }
    expect(new Set(published.map((h) => key(h.eventId, h.personId)))).toEqual(expected);
  }, 420_000);
});
