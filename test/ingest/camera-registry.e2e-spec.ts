import { RegionFileLoader } from '@kuzet/registry';
import { jsonHeaders, sampleJson } from './sample-events';
import { IngestHarness, REGION_FILE, startIngest } from './ingest-app';

interface Camera {
  id: string;
  district_id: string;
  centre_id: string;
  status: string;
}

/** The camera registry: the seed region loaded from YAML at start-up, and its REST API. */
describe('camera registry', () => {
  let h: IngestHarness;

  beforeAll(async () => {
    h = await startIngest();
  });

  afterAll(async () => h?.close());

  const counts = async () =>
    (
      await h.dataSource.query<{ centres: number; districts: number; cameras: number }[]>(
        `SELECT (SELECT count(*)::int FROM operations_centre) AS centres,
                (SELECT count(*)::int FROM district) AS districts,
                (SELECT count(*)::int FROM camera) AS cameras`,
      )
    )[0]!;

  it('loads the seed region: two main centres and five district centres under them', async () => {
    const centres = (await h.admin('GET', '/v1/centres')).json<{
      items: { id: string; kind: string; parent_centre_id: string | null }[];
    }>().items;
    expect(centres.filter((c) => c.kind === 'main').map((c) => c.id)).toEqual([
      'aktau',
      'zhanaozen',
    ]);
    expect(
      Object.fromEntries(
        centres.filter((c) => c.kind === 'district').map((c) => [c.id, c.parent_centre_id]),
      ),
    ).toEqual({
      beineu: 'zhanaozen',
      karakiya: 'zhanaozen',
      mangystau: 'aktau',
      munaily: 'aktau',
      tupkaragan: 'aktau',
    });
    const camera = (await h.admin('GET', '/v1/cameras/munaily-cam-0001')).json<Camera>();
    expect(camera).toMatchObject({
      district_id: 'munaily',
      centre_id: 'munaily',
      status: 'active',
    });
  });

  it('loads the same file again without changing anything', async () => {
    const before = await counts();
    expect(before.centres).toBe(7);
    await h.app.get(RegionFileLoader).load(REGION_FILE);
    expect(await counts()).toEqual(before);
  });

  it('pages cameras by id', async () => {
    const ids: string[] = [];
    let cursor = '';
    for (;;) {
      const page = (
        await h.admin('GET', `/v1/cameras?limit=5${cursor ? `&cursor=${cursor}` : ''}`)
      ).json<{
        items: Camera[];
        next_cursor: string | null;
      }>();
      ids.push(...page.items.map((c) => c.id));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(ids.length).toBe((await counts()).cameras);
    expect([...ids].sort()).toEqual(ids);
    const beineu = (await h.admin('GET', '/v1/cameras?district_id=beineu')).json<{
      items: Camera[];
    }>();
    expect(beineu.items.map((c) => c.id)).toEqual(['beineu-cam-0001', 'beineu-sos-0003']);
  });

  it('registers, moves and retires a camera; a retired camera’s events are refused', async () => {
    const created = await h.admin('POST', '/v1/cameras', {
      id: 'karakiya-cam-0100',
      name: 'Kuryk, new crossing',
      district_id: 'karakiya',
      latitude: 43.17,
      longitude: 51.67,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json<Camera>()).toMatchObject({ centre_id: 'karakiya', status: 'active' });
    expect(
      (
        await h.admin('POST', '/v1/cameras', {
          id: 'karakiya-cam-0100',
          name: 'again',
          district_id: 'karakiya',
        })
      ).statusCode,
    ).toBe(409);

    const moved = await h.admin('PATCH', '/v1/cameras/karakiya-cam-0100', {
      centre_id: 'zhanaozen',
    });
    expect(moved.json<Camera>()).toMatchObject({ district_id: 'karakiya', centre_id: 'zhanaozen' });

    const { key } = await h.createKey({ camera_ids: ['karakiya-cam-0100'] });
    const event = () => sampleJson('alarm', (e) => (e.cameraId = 'karakiya-cam-0100'));
    const post = () =>
      h.request({
        method: 'POST',
        url: '/v1/events',
        headers: jsonHeaders(key),
        payload: JSON.stringify(event()),
      });
    expect((await post()).statusCode).toBe(202);
    expect(
      (await h.admin('PATCH', '/v1/cameras/karakiya-cam-0100', { status: 'retired' })).statusCode,
    ).toBe(200);
    const refused = await post();
    expect(refused.statusCode).toBe(422);
    expect(refused.json<{ errors: { field: string }[] }>().errors[0]!.field).toBe('camera_id');
  });

  it('names the field of an invalid registry request', async () => {
    const unknownDistrict = await h.admin('POST', '/v1/cameras', {
      id: 'cam-x',
      name: 'x',
      district_id: 'atlantis',
    });
    expect(unknownDistrict.statusCode).toBe(422);
    expect(unknownDistrict.json<{ errors: { field: string }[] }>().errors[0]!.field).toBe(
      'district_id',
    );
    const invalid = await h.admin('POST', '/v1/cameras', {
      id: 'bad id!',
      name: '',
      district_id: 'munaily',
      colour: 'red',
    });
    expect(invalid.statusCode).toBe(400);
    const fields = invalid.json<{ errors: { field: string }[] }>().errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['id', 'name']));
    const orphan = await h.admin('PUT', '/v1/centres/new-district-centre', {
      name: 'x',
      kind: 'district',
    });
    expect(orphan.statusCode).toBe(422);
    expect((await h.admin('GET', '/v1/cameras/no-such-camera')).statusCode).toBe(404);
  });

  it('refuses the administration API without staff credentials', async () => {
    for (const [method, url] of [
      ['GET', '/v1/cameras'],
      ['GET', '/v1/centres'],
      ['POST', '/v1/api-keys'],
    ] as const) {
      const anonymous = await h.request({ method, url, payload: {} });
      expect({ url, status: anonymous.statusCode }).toEqual({ url, status: 401 });
      const wrong = await h.request({
        method,
        url,
        payload: {},
        headers: { authorization: 'Bearer nope' },
      });
      expect(wrong.statusCode).toBe(401);
    }
  });

  it('imports a registry CSV in one transaction: a late line the database refuses leaves nothing', async () => {
    const before = await counts();
    const audited = async () =>
      (
        await h.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'registry.camera-%'`,
        )
      )[0]!.n;
    const entriesBefore = await audited();
    // the first lines are good; the last claims the device channel the second took, refused
    // only when it is written
    const csv = [
      'id,name,district_id,device_id,device_channel',
      'import-cam-0001,Школа №1,munaily,,',
      'import-cam-0002,Рынок,munaily,DS-2CD-IMPORT,1',
      'import-cam-0003,Вокзал,munaily,DS-2CD-IMPORT,1',
    ].join('\n');
    const refused = await h.admin('POST', '/v1/cameras/import', { csv, dry_run: false });
    expect(refused.statusCode).toBe(409);
    expect(await counts()).toEqual(before);
    expect(await audited()).toBe(entriesBefore);
    expect((await h.admin('GET', '/v1/cameras/import-cam-0001')).statusCode).toBe(404);

    const good = await h.admin('POST', '/v1/cameras/import', {
      csv: csv.split('\n').slice(0, 3).join('\n'),
      dry_run: false,
    });
    expect(good.statusCode).toBe(201);
    expect(good.json()).toMatchObject({ rows: 2, created: 2, updated: 0 });
    expect((await counts()).cameras).toBe(before.cameras + 2);
  });

  it('imports min_face_px and silent_after_seconds, and refuses a bad one naming its line and column', async () => {
    const header = 'id,name,district_id,min_face_px,silent_after_seconds';
    const bad = await h.admin('POST', '/v1/cameras/import', {
      csv: [
        header,
        'tuned-cam-0001,Порт,munaily,48,600',
        'tuned-cam-0002,Рынок,munaily,8,600',
      ].join('\n'),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      errors: [{ field: 'csv', rule: 'too_small', params: { line: 3, column: 'min_face_px' } }],
    });
    expect((await h.admin('GET', '/v1/cameras/tuned-cam-0001')).statusCode).toBe(404);

    const good = await h.admin('POST', '/v1/cameras/import', {
      csv: [header, 'tuned-cam-0001,Порт,munaily,48,600', 'tuned-cam-0002,Рынок,munaily,,'].join(
        '\n',
      ),
    });
    expect(good.statusCode).toBe(201);
    expect((await h.admin('GET', '/v1/cameras/tuned-cam-0001')).json()).toMatchObject({
      min_face_px: 48,
      silent_after_seconds: 600,
    });
    expect((await h.admin('GET', '/v1/cameras/tuned-cam-0002')).json()).toMatchObject({
      min_face_px: null,
      silent_after_seconds: null,
    });
    // a second import updates the registered camera
    await h.admin('POST', '/v1/cameras/import', {
      csv: [header, 'tuned-cam-0001,Порт,munaily,80,'].join('\n'),
    });
    expect((await h.admin('GET', '/v1/cameras/tuned-cam-0001')).json()).toMatchObject({
      min_face_px: 80,
    });
  });
});
