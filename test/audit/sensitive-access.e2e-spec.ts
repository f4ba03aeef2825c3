import { Global, Module } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { FaceEngine } from '@kuzet/face';
import { WatchlistAdminModule } from '@kuzet/watchlist';
import { IngestModule } from '../../apps/ingest/src/ingest.module';
import { OpsCenterModule } from '../../apps/ops-center/src/ops-center.module';
import { ViolationsModule } from '../../apps/violations/src/violations.module';
import { createTestDatabase, TestDatabase } from '../support/database';
import { closeTestApp, startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';

const REGION_FILE = resolve(__dirname, '../../deploy/config/region.yaml');

/** Nothing here enrols a photo: the people and faces are seeded in PostgreSQL. */
@Global()
@Module({ providers: [{ provide: FaceEngine, useValue: {} }], exports: [FaceEngine] })
class NoFaceEngine {}

interface AuditRow {
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  details: Record<string, unknown>;
}

/** Reads of faces, people and plates and every change of the camera registry leave an entry
 * on the audit chain, written before the answer: performed over HTTP as the role that may,
 * then read back from audit_log in PostgreSQL. */
describe('audit entries of sensitive reads and registry changes', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let sql: DataSource;
  let operator: SignedInStaff;
  let listAdmin: SignedInStaff;
  let supervisor: SignedInStaff;
  let sysAdmin: SignedInStaff;
  const watchlistId = randomUUID();
  const personId = randomUUID();
  const faceId = randomUUID();
  const evidenceId = randomUUID();
  const alertId = randomUUID();
  const violationId = randomUUID();
  const plate = `${Math.floor(Math.random() * 900) + 100}KZA02`;

  const get = (url: string, as: SignedInStaff) =>
    app.inject({ method: 'GET', url, headers: as.headers });
  const send = (method: 'PUT' | 'POST' | 'PATCH', url: string, payload: object) =>
    app.inject({ method, url, payload, headers: sysAdmin.headers });

  /** The entries of one action on one subject, in chain order. */
  const entries = (action: string, subjectId: string): Promise<AuditRow[]> =>
    sql.query<AuditRow[]>(
      `SELECT actor, action, subject_type, subject_id, details FROM audit_log
        WHERE action = $1 AND subject_id = $2 ORDER BY seq`,
      [action, subjectId],
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app } = await startTestApp(
      [NoFaceEngine, IngestModule, ViolationsModule, OpsCenterModule, WatchlistAdminModule],
      { DATABASE_URL: database.url, KUZET_REGION_FILE: REGION_FILE },
    ));
    sql = app.get(DataSource);
    operator = await signInAs(app, ['operator'], ['aktau']);
    listAdmin = await signInAs(app, ['watchlist-admin']);
    supervisor = await signInAs(app, ['supervisor']);
    sysAdmin = await signInAs(app, ['system-admin']);
    await sql.query(
      `INSERT INTO watchlist (id, name, category, similarity_threshold) VALUES ($1, 'Wanted', 'wanted', 0.4)`,
      [watchlistId],
    );
    await sql.query(
      `INSERT INTO watchlist_person (id, watchlist_id, full_name, status) VALUES ($1, $2, 'Aigerim S.', 'active')`,
      [personId, watchlistId],
    );
    await sql.query(
      `INSERT INTO enrolled_face (id, person_id, embedding, model_id, quality, thumbnail)
       VALUES ($1, $2, $3, 'fr_feature', 0.9, '\\xffd8ff01')`,
      [faceId, personId, Buffer.alloc(2048)],
    );
    await sql.query(
      `INSERT INTO hit_evidence (id, content_type, content, expires_at)
       VALUES ($1, 'image/jpeg', '\\xffd8ff02', now() + interval '1 day')`,
      [evidenceId],
    );
    await sql.query(
      `INSERT INTO alert (id, kind, state, priority, centre_id, district_id, camera_id, event_id,
         person_id, watchlist_id, similarity, threshold, face_crop_ref, captured_at, last_seen_at)
       VALUES ($1, 'watchlist_hit', 'new', 0, 'aktau', 'aktau', 'aktau-cam-0001', $2, $3, $4,
         0.6, 0.4, $5, now(), now())`,
      [alertId, randomUUID(), personId, watchlistId, `pg:${evidenceId}`],
    );
    await sql.query(
      `INSERT INTO violation_record (event_id, camera_id, centre_id, code, plate, evidence_ref, captured_at, logged_at)
       VALUES ($1, 'aktau-cam-0001', 'aktau', 'speeding', $2, 's3://e/x', now(), now())`,
      [violationId, plate],
    );
  });

  afterAll(async () => {
    await closeTestApp(app);
    await database?.drop();
  });

  it("records an operator's view of a hit's face crop and of the enrolled photo beside it", async () => {
    const crop = await get(`/v1/alerts/${alertId}/face-crop`, operator);
    expect(crop.statusCode).toBe(200);
    expect(crop.rawPayload).toEqual(Buffer.from('ffd8ff02', 'hex'));
    expect(await entries('alert.face-crop-viewed', alertId)).toEqual([
      {
        actor: operator.username,
        action: 'alert.face-crop-viewed',
        subject_type: 'alert',
        subject_id: alertId,
        details: {
          userId: operator.userId,
          faceCropRef: `pg:${evidenceId}`,
          personId,
          cameraId: 'aktau-cam-0001',
        },
      },
    ]);

    const enrolled = await get(`/v1/alerts/${alertId}/enrolled-faces/${faceId}`, operator);
    expect(enrolled.statusCode).toBe(200);
    expect(await entries('alert.enrolled-face-viewed', personId)).toEqual([
      {
        actor: operator.username,
        action: 'alert.enrolled-face-viewed',
        subject_type: 'person',
        subject_id: personId,
        details: { userId: operator.userId, alertId, faceId, watchlistId },
      },
    ]);
  });

  it('refuses the image when its audit entry cannot be written: no unaudited read', async () => {
    const append = jest
      .spyOn(app.get(AuditLogService), 'append')
      .mockRejectedValueOnce(new Error('audit log unavailable'));
    try {
      const crop = await get(`/v1/alerts/${alertId}/face-crop`, operator);
      expect(crop.statusCode).toBe(500);
      expect(crop.rawPayload.includes(Buffer.from('ffd8ff02', 'hex'))).toBe(false);
    } finally {
      append.mockRestore();
    }
    expect(await entries('alert.face-crop-viewed', alertId)).toHaveLength(1);
  });

  it("records a watchlist administrator's reads of a person, a list of people and a face", async () => {
    expect((await get(`/v1/persons/${personId}`, listAdmin)).statusCode).toBe(200);
    expect(await entries('watchlist.person-viewed', personId)).toEqual([
      {
        actor: listAdmin.username,
        action: 'watchlist.person-viewed',
        subject_type: 'person',
        subject_id: personId,
        details: { watchlistId },
      },
    ]);

    const thumbnail = await get(`/v1/persons/${personId}/faces/${faceId}/thumbnail`, listAdmin);
    expect(thumbnail.statusCode).toBe(200);
    expect(thumbnail.headers['cache-control']).toBe('private, no-store');
    expect(await entries('watchlist.face-viewed', personId)).toEqual([
      {
        actor: listAdmin.username,
        action: 'watchlist.face-viewed',
        subject_type: 'person',
        subject_id: personId,
        details: { faceId },
      },
    ]);

    const listed = await get(`/v1/watchlists/${watchlistId}/persons?limit=10`, listAdmin);
    expect(listed.statusCode).toBe(200);
    expect(await entries('watchlist.persons-listed', watchlistId)).toEqual([
      {
        actor: listAdmin.username,
        action: 'watchlist.persons-listed',
        subject_type: 'watchlist',
        subject_id: watchlistId,
        details: { limit: 10, personIds: [personId] },
      },
    ]);
  });

  it('refuses a search by plate without a reason, and records one with it: filters, plate and reason', async () => {
    const refused = await get(`/v1/violations?plate=${plate}`, supervisor);
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual([
      'reason',
    ]);
    expect(await entries('violation.searched', plate)).toEqual([]);

    const reason = 'case 2026-0417: vehicle seen leaving the scene';
    const found = await get(
      `/v1/violations?plate=${plate}&code=speeding&reason=${encodeURIComponent(reason)}`,
      supervisor,
    );
    expect(found.statusCode).toBe(200);
    expect(found.json<{ items: { event_id: string }[] }>().items).toEqual([
      expect.objectContaining({ event_id: violationId }),
    ]);
    expect(await entries('violation.searched', plate)).toEqual([
      {
        actor: supervisor.username,
        action: 'violation.searched',
        subject_type: 'plate',
        subject_id: plate,
        details: {
          userId: supervisor.userId,
          filters: { plate, code: 'speeding', limit: 100 },
          reason,
          returned: 1,
        },
      },
    ]);
  });

  it('records a search of the violation log without a plate, and a read of one violation', async () => {
    const before = (await entries('violation.searched', '*')).length;
    expect((await get('/v1/violations?district_id=aktau', supervisor)).statusCode).toBe(200);
    const searches = await entries('violation.searched', '*');
    expect(searches).toHaveLength(before + 1);
    expect(searches.at(-1)).toMatchObject({
      actor: supervisor.username,
      subject_type: 'violations',
      details: { filters: { district_id: 'aktau', limit: 100 }, reason: null },
    });

    expect((await get(`/v1/violations/${violationId}`, supervisor)).statusCode).toBe(200);
    expect(await entries('violation.viewed', violationId)).toEqual([
      {
        actor: supervisor.username,
        action: 'violation.viewed',
        subject_type: 'violation',
        subject_id: violationId,
        details: { userId: supervisor.userId, plate, cameraId: 'aktau-cam-0001' },
      },
    ]);
  });

  it('records the creation and change of a centre and a district with the values before and after', async () => {
    const centre = `centre-${randomUUID().slice(0, 8)}`;
    const district = `district-${randomUUID().slice(0, 8)}`;
    const first = { name: 'Kuryk centre', kind: 'district', parent_centre_id: 'aktau' };
    expect((await send('PUT', `/v1/centres/${centre}`, first)).statusCode).toBe(200);
    expect(
      (await send('PUT', `/v1/centres/${centre}`, { ...first, parent_centre_id: 'zhanaozen' }))
        .statusCode,
    ).toBe(200);
    const created = { id: centre, ...first };
    const moved = { ...created, parent_centre_id: 'zhanaozen' };
    expect(await entries('registry.centre-created', centre)).toEqual([
      {
        actor: sysAdmin.username,
        action: 'registry.centre-created',
        subject_type: 'centre',
        subject_id: centre,
        details: {
          before: null,
          after: created,
          changed: ['id', 'name', 'kind', 'parent_centre_id'],
        },
      },
    ]);
    expect(await entries('registry.centre-updated', centre)).toEqual([
      {
        actor: sysAdmin.username,
        action: 'registry.centre-updated',
        subject_type: 'centre',
        subject_id: centre,
        details: { before: created, after: moved, changed: ['parent_centre_id'] },
      },
    ]);

    const body = { name: 'Kuryk', centre_id: centre };
    expect((await send('PUT', `/v1/districts/${district}`, body)).statusCode).toBe(200);
    expect(
      (await send('PUT', `/v1/districts/${district}`, { ...body, centre_id: 'karakiya' }))
        .statusCode,
    ).toBe(200);
    expect(await entries('registry.district-created', district)).toMatchObject([
      { actor: sysAdmin.username, details: { before: null, after: { id: district, ...body } } },
    ]);
    expect(await entries('registry.district-updated', district)).toMatchObject([
      {
        actor: sysAdmin.username,
        subject_type: 'district',
        details: {
          before: { centre_id: centre },
          after: { centre_id: 'karakiya' },
          changed: ['centre_id'],
        },
      },
    ]);
  });

  it("records a camera's registration, its move to another centre (whose staff now get its alerts) and its retirement", async () => {
    const camera = `karakiya-cam-${randomUUID().slice(0, 8)}`;
    const registered = {
      id: camera,
      name: 'Kuryk, new crossing',
      district_id: 'karakiya',
      centre_id: 'karakiya',
      latitude: 43.17,
      longitude: 51.67,
      address: null,
      status: 'active',
      device_id: null,
      device_channel: null,
      connected: true,
      kind: 'camera',
      silent_after_seconds: null,
      min_face_px: null,
    };
    const {
      centre_id: _centre,
      status: _status,
      address: _address,
      device_id: _device,
      device_channel: _channel,
      connected: _connected,
      kind: _kind,
      silent_after_seconds: _silentAfter,
      min_face_px: _minFace,
      ...body
    } = registered;
    expect((await send('POST', '/v1/cameras', body)).statusCode).toBe(201);
    expect(await entries('registry.camera-created', camera)).toEqual([
      {
        actor: sysAdmin.username,
        action: 'registry.camera-created',
        subject_type: 'camera',
        subject_id: camera,
        details: { before: null, after: registered },
      },
    ]);

    expect(
      (await send('PATCH', `/v1/cameras/${camera}`, { centre_id: 'zhanaozen' })).statusCode,
    ).toBe(200);
    const movedCamera = { ...registered, centre_id: 'zhanaozen' };
    expect(await entries('registry.camera-updated', camera)).toEqual([
      {
        actor: sysAdmin.username,
        action: 'registry.camera-updated',
        subject_type: 'camera',
        subject_id: camera,
        details: { before: registered, after: movedCamera, changed: ['centre_id'] },
      },
    ]);

    expect((await send('PATCH', `/v1/cameras/${camera}`, { status: 'retired' })).statusCode).toBe(
      200,
    );
    expect(await entries('registry.camera-retired', camera)).toEqual([
      {
        actor: sysAdmin.username,
        action: 'registry.camera-retired',
        subject_type: 'camera',
        subject_id: camera,
        details: {
          before: movedCamera,
          after: { ...movedCamera, status: 'retired' },
          changed: ['status'],
        },
      },
    ]);
  });

  it('records the region file applied at start-up, with its hash', async () => {
    expect(await entries('registry.region-loaded', REGION_FILE)).toEqual([
      {
        actor: 'region-file',
        action: 'registry.region-loaded',
        subject_type: 'region',
        subject_id: REGION_FILE,
        details: {
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          centres: 7,
          districts: expect.any(Number),
          cameras: expect.any(Number),
        },
      },
    ]);
    expect((await app.get(AuditLogService).verifyChain()).ok).toBe(true);
  });
});
