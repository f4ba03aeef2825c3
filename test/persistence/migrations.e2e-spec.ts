import { DataSource } from 'typeorm';
import {
  CameraEntity,
  createDataSource,
  DistrictEntity,
  EmbeddedPostgres,
  MIGRATIONS,
  OperationsCentreEntity,
} from '@kuzet/persistence';
import { createTestDatabase, TestDatabase } from '../support/database';

interface Backend {
  readonly name: string;
  start(): Promise<{ url: string; stop(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'PostgreSQL server',
    start: async () => {
      const db: TestDatabase = await createTestDatabase();
      return { url: db.url, stop: () => db.drop() };
    },
  },
  {
    name: 'embedded PGlite over the wire protocol',
    start: async () => {
      const pg = await EmbeddedPostgres.start();
      return { url: pg.url, stop: () => pg.stop() };
    },
  },
];

describe.each(BACKENDS)('camera registry schema on $name', (backend) => {
  let stopBackend: () => Promise<void>;
  let dataSource: DataSource;

  beforeAll(async () => {
    const started = await backend.start();
    stopBackend = started.stop;
    dataSource = createDataSource({ url: started.url, poolSize: 1, runMigrations: false });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await stopBackend?.();
  });

  it('applies every migration and records it', async () => {
    const applied = await dataSource.query<{ name: string }[]>('SELECT name FROM migrations');
    expect(applied.map((row) => row.name).sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
    expect(await dataSource.showMigrations()).toBe(false);
  });

  it('stores a centre, its district and a camera, and reads them back with relations', async () => {
    await dataSource.getRepository(OperationsCentreEntity).save([
      { id: 'aktau', name: 'Aktau main centre', kind: 'main', parentCentreId: null },
      { id: 'munaily', name: 'Munaily district centre', kind: 'district', parentCentreId: 'aktau' },
    ]);
    await dataSource
      .getRepository(DistrictEntity)
      .save({ id: 'munaily', name: 'Munaily', centreId: 'munaily' });
    await dataSource.getRepository(CameraEntity).save({
      id: 'cam-0001',
      name: 'Mangilik El / 14 mkr',
      districtId: 'munaily',
      centreId: 'munaily',
      latitude: 43.65,
      longitude: 51.17,
      address: null,
    });
    const camera = await dataSource.getRepository(CameraEntity).findOneOrFail({
      where: { id: 'cam-0001' },
      relations: { district: true, centre: { parentCentre: true } },
    });
    expect(camera.status).toBe('active');
    expect(camera.district?.name).toBe('Munaily');
    expect(camera.centre?.parentCentre?.id).toBe('aktau');
  });

  it('rejects rows that break the schema rules and changes nothing', async () => {
    const cameras = dataSource.getRepository(CameraEntity);
    const before = await cameras.count();
    await expect(
      cameras.insert({ id: 'cam-bad', name: 'x', districtId: 'nowhere', centreId: 'aktau' }),
    ).rejects.toThrow(/foreign key/);
    await expect(
      cameras.insert({
        id: 'cam-bad',
        name: 'x',
        districtId: 'munaily',
        centreId: 'aktau',
        latitude: 91,
      }),
    ).rejects.toThrow(/check constraint/);
    await expect(
      dataSource
        .getRepository(OperationsCentreEntity)
        .insert({ id: 'Bad Id!', name: 'x', kind: 'main', parentCentreId: null }),
    ).rejects.toThrow(/check constraint/);
    expect(await cameras.count()).toBe(before);
  });

  it('reverts cleanly', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) {
      await dataSource.undoLastMigration({ transaction: 'each' });
    }
    const tables = await dataSource.query<{ tablename: string }[]>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = 'camera'",
    );
    expect(tables).toHaveLength(0);
  });
});
