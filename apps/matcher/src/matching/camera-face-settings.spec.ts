import type { DataSource } from 'typeorm';
import { CameraFaceSettings } from './camera-face-settings';

/** A registry of cameras' min_face_px, counting the queries the matcher makes. */
function registry(rows: Record<string, number | null>) {
  const queries: string[] = [];
  const dataSource = {
    query: (_sql: string, [id]: [string]) => {
      queries.push(id);
      return Promise.resolve(id in rows ? [{ min_face_px: rows[id] }] : []);
    },
  } as unknown as DataSource;
  return { settings: new CameraFaceSettings(dataSource), queries, rows };
}

describe('CameraFaceSettings', () => {
  it("answers a camera's minimum face size, null for the default or an unknown camera", async () => {
    const { settings } = registry({ 'cam-1': 100, 'cam-2': null });
    await expect(settings.minFacePx('cam-1')).resolves.toBe(100);
    await expect(settings.minFacePx('cam-2')).resolves.toBeNull();
    await expect(settings.minFacePx('cam-9')).resolves.toBeNull();
  });

  it('reads each camera once a minute, so a registry change arrives within it', async () => {
    const { settings, queries, rows } = registry({ 'cam-1': 100 });
    await settings.minFacePx('cam-1', 0);
    await settings.minFacePx('cam-1', 59_999);
    expect(queries).toEqual(['cam-1']);
    rows['cam-1'] = 60;
    await expect(settings.minFacePx('cam-1', 60_000)).resolves.toBe(60);
    expect(queries).toEqual(['cam-1', 'cam-1']);
  });
});
