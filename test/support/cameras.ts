/** A TypeORM DataSource or a pg Client. */
interface Queryable {
  query(text: string, values: unknown[]): Promise<unknown>;
}

const CENTRE = 'test-centre';
const DISTRICT = 'test-district';

/** Registers cameras (in a test centre and district of their own) in the app's database:
 * every consumer of kuzet.camera-events.v1 refuses events of unregistered cameras, as the
 * HTTP ingest does. Safe to repeat. */
export async function registerCameras(
  dataSource: Queryable,
  ids: readonly string[],
): Promise<void> {
  await dataSource.query(
    `INSERT INTO operations_centre (id, name, kind) VALUES ($1, 'Test centre', 'main') ON CONFLICT DO NOTHING`,
    [CENTRE],
  );
  await dataSource.query(
    `INSERT INTO district (id, name, centre_id) VALUES ($1, 'Test district', $2) ON CONFLICT DO NOTHING`,
    [DISTRICT, CENTRE],
  );
  await dataSource.query(
    `INSERT INTO camera (id, name, district_id, centre_id)
     SELECT id, 'test camera', $2, $3 FROM unnest($1::text[]) AS t(id) ON CONFLICT DO NOTHING`,
    [[...ids], DISTRICT, CENTRE],
  );
}
