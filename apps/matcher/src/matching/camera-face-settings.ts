import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** How long a camera's setting is used before it is read again: a registry change reaches the
 * matchers within this, without a query per frame. */
const TTL_MS = 60_000;

/** Each camera's minimum face size from the registry, cached per camera. */
@Injectable()
export class CameraFaceSettings {
  private readonly cache = new Map<string, { minFacePx: number | null; readAt: number }>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The smallest face to look for in this camera's scene frames, or null for the engine's default
   * (also for a camera the registry does not hold). */
  async minFacePx(cameraId: string, now = Date.now()): Promise<number | null> {
    const known = this.cache.get(cameraId);
    if (known && now - known.readAt < TTL_MS) return known.minFacePx;
    const rows = await this.dataSource.query<{ min_face_px: number | null }[]>(
      'SELECT min_face_px FROM camera WHERE id = $1',
      [cameraId],
    );
    const minFacePx = rows[0]?.min_face_px ?? null;
    this.cache.set(cameraId, { minFacePx, readAt: now });
    return minFacePx;
  }
}
