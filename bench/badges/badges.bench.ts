/**
 * Smart-badge identification benchmark (issue 19 item 5): POST /v1/devices/identify over real
 * HTTP on loopback against the matcher (in this process, on the real Kafka broker and
 * PostgreSQL), one badge asking at a time as an officer does:
 *
 * - an embedding (512 numbers), half of an enrolled face (a hit: match log, hits topic, audit)
 *   and half of a stranger (audit only); goal p99 <= 300 ms;
 * - a 1920x1080 JPEG photo with one face (of an enrolled person); goal p99 <= 1 s;
 * - the floors, measured in the same run: the bare index search of the same embeddings, and the
 *   bare face engine (decode, detection, embedding) on the same photo.
 *
 *   npm run bench:badges
 *
 * Prints ONE JSON object on stdout; progress on stderr. Starts a fresh broker on
 * 127.0.0.1:KUZET_BENCH_KAFKA_PORT (default 39602) unless KAFKA_BROKERS is set; a fresh database
 * on DATABASE_URL's server, dropped after. Knobs: BENCH_EMBEDDING_REQUESTS (400),
 * BENCH_PHOTO_REQUESTS (60), BENCH_EXTRA_FACES (20000 random faces added to the index).
 */
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import { ApiKeyService } from '@kuzet/auth';
import { FaceEngine } from '@kuzet/face';
import { WatchlistIndex } from '@kuzet/watchlist';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { registerCameras } from '../../test/support/cameras';
import { createTestDatabase } from '../../test/support/database';
import { asJpeg, fixture, PEOPLE, personPhoto } from '../../test/support/faces';
import { startTestApp } from '../../test/support/kuzet-app';
import { signInAs } from '../../test/support/staff';
import { startBenchBroker } from '../support/broker';
import { intFromEnv } from '../support/env';

const EMBEDDING_REQUESTS = intFromEnv('BENCH_EMBEDDING_REQUESTS', 400, 10, 100_000);
const PHOTO_REQUESTS = intFromEnv('BENCH_PHOTO_REQUESTS', 60, 5, 10_000);
const EXTRA_FACES = intFromEnv('BENCH_EXTRA_FACES', 20_000, 0, 1_000_000);
const GOALS_MS = { embedding_p99: 300, photo_p99: 1000 };

const progress = (line: string): void => void process.stderr.write(`[bench:badges] ${line}\n`);

function percentiles(samples: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const r = (v: number) => Number(v.toFixed(2));
  return {
    p50: r(at(0.5)),
    p99: r(at(0.99)),
    max: r(sorted[sorted.length - 1]!),
    n: sorted.length,
  };
}

/** A 1080p frame: the face photo scaled to about 360 px high on a noisy street-grey canvas. */
async function photo1080p(face: Buffer): Promise<Buffer> {
  const width = 1920;
  const height = 1080;
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = 90 + Math.floor(Math.random() * 50);
  const portrait = await sharp(face).resize({ height: 360 }).toBuffer();
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .composite([{ input: portrait, left: 780, top: 300 }])
    .jpeg({ quality: 85 })
    .toBuffer();
}

function randomUnit(length: number): Float32Array {
  const v = new Float32Array(length);
  let sum = 0;
  for (let i = 0; i < length; i++) {
    v[i] = Math.random() * 2 - 1;
    sum += v[i]! * v[i]!;
  }
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < length; i++) v[i]! *= inv;
  return v;
}

async function main(): Promise<void> {
  const broker = await startBenchBroker('badges', 39602, progress);
  const database = await createTestDatabase();
  let app: NestFastifyApplication | undefined;
  // the test app reads the broker from the environment
  process.env.KAFKA_BROKERS = broker.brokers;
  try {
    ({ app } = await startTestApp([MatcherModule], {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: broker.brokers,
      BADGE_RATE_LIMIT_PER_MINUTE: 100_000,
    }));
    const engine = app.get(FaceEngine);
    const index = app.get(WatchlistIndex);
    const model = engine.models.embedding.modelId;
    const badge = `bench-badge-${randomUUID().slice(0, 8)}`;
    await registerCameras(app.get(DataSource), [badge]);
    await app.get(DataSource).query(`UPDATE camera SET kind = 'badge' WHERE id = $1`, [badge]);
    const key = (
      await app.get(ApiKeyService).create(
        {
          integrator_id: 'bench-badges',
          label: 'bench',
          camera_ids: [badge],
          district_ids: [],
          identify: true,
        },
        'bench',
      )
    ).key;

    progress('enrolling the 8 fixture people');
    const admin = await signInAs(app, ['watchlist-admin']);
    const list = await app.inject({
      method: 'POST',
      url: '/v1/watchlists',
      headers: admin.headers,
      payload: { name: 'Wanted (bench)', category: 'wanted', similarity_threshold: 0.4 },
    });
    const listId = (list.json() as { id: string }).id;
    for (const person of PEOPLE) {
      const enrolled = await app.inject({
        method: 'POST',
        url: `/v1/watchlists/${listId}/persons`,
        headers: admin.headers,
        payload: {
          full_name: person,
          photos: [{ name: `${person}1.png`, data: personPhoto(person, 1).toString('base64') }],
        },
      });
      if (enrolled.statusCode !== 201) throw new Error(`enrolment: ${enrolled.body}`);
    }
    while (index.personCount < PEOPLE.length) await new Promise((r) => setTimeout(r, 100));
    progress(`adding ${EXTRA_FACES} random faces to the index`);
    for (let i = 0; i < EXTRA_FACES; i++) {
      index.upsert({
        personId: `bench-extra-${i}`,
        watchlistId: listId,
        threshold: 0.4,
        expiresAt: null,
        version: 1,
        faces: [{ photoId: `bench-extra-face-${i}`, embedding: randomUnit(512) }],
      });
    }

    const known = Array.from(
      (await engine.analyze(await asJpeg(personPhoto('amy', 2)))).faces[0]!.embedding,
    );
    const stranger = Array.from((await engine.analyze(fixture('neutral.jpg'))).faces[0]!.embedding);
    const photo = await photo1080p(personPhoto('penny', 3));
    const photoFaces = (await engine.analyze(photo)).faces.length;
    if (photoFaces === 0) throw new Error('the 1080p photo shows no face to the engine');

    await app.listen(0, '127.0.0.1');
    const url = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/v1/devices/identify`;
    const headers = {
      authorization: `Basic ${Buffer.from(`badge:${key}`).toString('base64')}`,
      'content-type': 'application/json',
    };
    const ask = async (body: Record<string, unknown>): Promise<{ ms: number; hits: number }> => {
      const started = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ officer_id: 'bench-officer', device_id: badge, ...body }),
      });
      const answer = (await response.json()) as { hits?: unknown[] };
      const ms = performance.now() - started;
      if (response.status !== 200) throw new Error(`identify answered ${response.status}`);
      return { ms, hits: answer.hits?.length ?? 0 };
    };

    progress(`${EMBEDDING_REQUESTS} embedding requests`);
    for (let i = 0; i < 20; i++) await ask({ embedding: stranger, model_id: model });
    const embeddingMs: number[] = [];
    let embeddingHits = 0;
    for (let i = 0; i < EMBEDDING_REQUESTS; i++) {
      const r = await ask({ embedding: i % 2 === 0 ? known : stranger, model_id: model });
      embeddingMs.push(r.ms);
      embeddingHits += r.hits > 0 ? 1 : 0;
    }

    progress(`${PHOTO_REQUESTS} 1080p photo requests`);
    const photoBase64 = photo.toString('base64');
    for (let i = 0; i < 3; i++) await ask({ photo: photoBase64 });
    const photoMs: number[] = [];
    let photoHits = 0;
    for (let i = 0; i < PHOTO_REQUESTS; i++) {
      const r = await ask({ photo: photoBase64 });
      photoMs.push(r.ms);
      photoHits += r.hits > 0 ? 1 : 0;
    }

    progress('floors: the bare index search and the bare face engine');
    const probes = [Float32Array.from(known), Float32Array.from(stranger)];
    const searchMs: number[] = [];
    for (let i = 0; i < EMBEDDING_REQUESTS; i++) {
      const started = performance.now();
      index.hits(probes[i % 2]!);
      searchMs.push(performance.now() - started);
    }
    const engineMs: number[] = [];
    for (let i = 0; i < PHOTO_REQUESTS; i++) {
      const started = performance.now();
      await engine.analyze(photo, { crop: 'raw' });
      engineMs.push(performance.now() - started);
    }

    const embedding = percentiles(embeddingMs);
    const photoLatency = percentiles(photoMs);
    process.stdout.write(
      `${JSON.stringify(
        {
          bench: 'badges',
          machine: { cpus: (await import('node:os')).cpus().length },
          index: { persons: index.personCount, faces: index.faceCount },
          photo: { width: 1920, height: 1080, bytes: photo.length, faces: photoFaces },
          embedding_request_ms: { ...embedding, hit_share: embeddingHits / EMBEDDING_REQUESTS },
          photo_request_ms: { ...photoLatency, hit_share: photoHits / PHOTO_REQUESTS },
          floor: {
            index_search_ms: percentiles(searchMs),
            face_engine_ms: percentiles(engineMs),
          },
          goals_ms: GOALS_MS,
          goals_met: {
            embedding: embedding.p99 <= GOALS_MS.embedding_p99,
            photo: photoLatency.p99 <= GOALS_MS.photo_p99,
          },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await app?.close();
    await database.drop();
    await broker.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
