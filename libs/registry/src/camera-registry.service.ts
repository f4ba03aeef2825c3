import {
  ConflictException,
  HttpStatus,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { TTLCache } from '@isaacs/ttlcache';
import { AuditLogService } from '@kuzet/audit-log';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { FieldErrorsException } from '@kuzet/http';
import { CameraEntity, OperationsCentreEntity } from '@kuzet/persistence';
import { EntityManager } from 'typeorm';
import {
  CameraLocation,
  CameraRegistryRepository,
  CameraRow,
  CentreRow,
  DistrictRow,
} from './camera-registry.repository';
import {
  CameraDto,
  CameraPageDto,
  CentreDto,
  DistrictDto,
  RegionLoadSummary,
  toCameraDto,
  CentreAnalyticsDto,
  toCentreDto,
  toDistrictDto,
} from './registry.dto';
import {
  CameraQuery,
  CentreAnalyticsInput,
  CentreInput,
  CreateCameraInput,
  DistrictInput,
  RegionFile,
  UpdateCameraInput,
} from './registry.schemas';

function unprocessable(field: string, rule: string, message: string): UnprocessableEntityException {
  return new UnprocessableEntityException({
    statusCode: 422,
    error: 'Unprocessable Entity',
    message,
    errors: [{ field, rule, message }],
  });
}

/** The registry as the audit log records it: the API's field names, without timestamps. */
type CameraState = Omit<CameraDto, 'updated_at'>;

/** Liveness is kept to this precision: a device posting every second writes once a window. */
const SEEN_WRITE_INTERVAL_MS = 10_000;

function cameraState(camera: CameraEntity): CameraState {
  const { updated_at: _updatedAt, ...state } = toCameraDto(camera);
  return state;
}

function changedFields<T extends object>(before: T | null, after: T): string[] {
  return (Object.keys(after) as (keyof T & string)[]).filter(
    (key) => before === null || before[key] !== after[key],
  );
}

/** Which centre owns which camera, and the rules that keep centres, districts and cameras
 * consistent. Camera lookups on the ingest hot path are cached for a short time. Every change
 * is written to the audit log in its own transaction, with the values before and after: a
 * camera's centre decides who receives its alerts. */
@Injectable()
export class CameraRegistryService {
  private readonly located: TTLCache<string, CameraLocation>;
  /** (device ids, channel) -> camera (or none), for devices posting alerts and heartbeats. */
  private readonly devices: TTLCache<string, string | null>;
  private readonly seenWritten = new TTLCache<string, number>({
    ttl: SEEN_WRITE_INTERVAL_MS,
    max: 200_000,
  });
  /** Each centre's analytics types turned off. */
  private readonly analyticsOffCache: TTLCache<string, readonly string[]>;
  /** Every centre's parent (null for a main centre): a region has a handful of centres. */
  private readonly parents: TTLCache<'all', ReadonlyMap<string, string | null>>;

  constructor(
    private readonly repository: CameraRegistryRepository,
    @Inject(KUZET_CONFIG) config: Readonly<KuzetConfig>,
    private readonly audit: AuditLogService,
  ) {
    const ttl = config.REGISTRY_CACHE_TTL_MS;
    this.located = new TTLCache({ ttl, max: 200_000, checkAgeOnGet: true });
    this.devices = new TTLCache({ ttl, max: 200_000, checkAgeOnGet: true });
    this.parents = new TTLCache({ ttl, max: 1, checkAgeOnGet: true });
    this.analyticsOffCache = new TTLCache({ ttl, max: 10_000, checkAgeOnGet: true });
  }

  async listCentres(): Promise<CentreDto[]> {
    return (await this.repository.listCentres()).map(toCentreDto);
  }

  /** actor (here and below): who made the change, for the audit log. */
  async putCentre(input: CentreInput, actor: string): Promise<CentreDto> {
    const parentId = input.parent_centre_id ?? null;
    if (input.kind === 'main' && parentId !== null) {
      throw unprocessable('parent_centre_id', 'main_has_no_parent', 'a main centre has no parent');
    }
    if (input.kind === 'district') {
      const parent = parentId === null ? null : await this.repository.findCentre(parentId);
      if (parent?.kind !== 'main') {
        throw unprocessable(
          'parent_centre_id',
          'main_centre',
          'a district centre needs an existing main centre as its parent',
        );
      }
    }
    const row: CentreRow = {
      id: input.id,
      name: input.name,
      kind: input.kind,
      parentCentreId: parentId,
    };
    const after = toCentreDto(row);
    await this.repository.transaction(async (tx, manager) => {
      const found = await tx.lockCentre(row.id);
      await tx.upsertCentres([row]);
      const before = found && toCentreDto(found);
      await this.audit.append(
        {
          actor,
          action: before ? 'registry.centre-updated' : 'registry.centre-created',
          subjectType: 'centre',
          subjectId: row.id,
          details: { before, after, changed: changedFields(before, after) },
        },
        manager,
      );
    });
    // a centre's parent also sees its alerts: cached locations carry the parent
    this.located.clear();
    this.devices.clear();
    this.parents.clear();
    return after;
  }

  async listDistricts(): Promise<DistrictDto[]> {
    return (await this.repository.listDistricts()).map(toDistrictDto);
  }

  async putDistrict(input: DistrictInput, actor: string): Promise<DistrictDto> {
    if (!(await this.repository.findCentre(input.centre_id))) {
      throw unprocessable('centre_id', 'registered', `centre ${input.centre_id} does not exist`);
    }
    const row: DistrictRow = { id: input.id, name: input.name, centreId: input.centre_id };
    const after = toDistrictDto({ ...row, camerasTotal: null, createdAt: new Date() });
    await this.repository.transaction(async (tx, manager) => {
      const found = await tx.lockDistrict(row.id);
      await tx.upsertDistricts([row]);
      const camerasTotal =
        input.cameras_total === undefined ? (found?.camerasTotal ?? null) : input.cameras_total;
      await tx.setDistrictTotal(row.id, camerasTotal);
      after.cameras_total = camerasTotal;
      const before = found && toDistrictDto(found);
      await this.audit.append(
        {
          actor,
          action: before ? 'registry.district-updated' : 'registry.district-created',
          subjectType: 'district',
          subjectId: row.id,
          details: { before, after, changed: changedFields(before, after) },
        },
        manager,
      );
    });
    return after;
  }

  async listCameras(query: CameraQuery): Promise<CameraPageDto> {
    const cameras = await this.repository.listCameras({
      districtId: query.district_id,
      centreId: query.centre_id,
      afterId: query.after,
      limit: query.limit,
    });
    const last = cameras.length === query.limit ? cameras[cameras.length - 1] : undefined;
    return { cameras: cameras.map(toCameraDto), next_after: last?.id ?? null };
  }

  /** The cameras an integrator's key may push for, with their status. */
  async listCamerasInScope(
    scope: { readonly cameraIds: ReadonlySet<string>; readonly districtIds: ReadonlySet<string> },
    page: { readonly after?: string; readonly limit: number },
  ): Promise<CameraPageDto> {
    const cameras = await this.repository.listCamerasInScope(
      [...scope.cameraIds],
      [...scope.districtIds],
      page.after,
      page.limit,
    );
    const last = cameras.length === page.limit ? cameras[cameras.length - 1] : undefined;
    return { cameras: cameras.map(toCameraDto), next_after: last?.id ?? null };
  }

  /** The camera, or null when the id is not registered. */
  async findCamera(id: string): Promise<CameraDto | null> {
    const camera = await this.repository.findCamera(id);
    return camera ? toCameraDto(camera) : null;
  }

  async getCamera(id: string): Promise<CameraDto> {
    const camera = await this.repository.findCamera(id);
    if (!camera) throw new NotFoundException(`camera ${id} is not registered`);
    return toCameraDto(camera);
  }

  async createCamera(input: CreateCameraInput, actor: string): Promise<CameraDto> {
    const camera = await this.repository.transaction((tx, manager) =>
      this.createIn(tx, manager, input, actor),
    );
    this.devices.clear(); // a channel not mapped a moment ago may be now
    return toCameraDto(camera);
  }

  /** A CSV import of the registry: every camera created or updated in one transaction, so a
   * failure on any line (a device channel taken, the database gone) leaves the registry as it
   * was. `existing`: the ids registered already (updated; the others are created). */
  async importCameras(
    cameras: readonly CreateCameraInput[],
    existing: ReadonlySet<string>,
    actor: string,
  ): Promise<void> {
    try {
      await this.repository.transaction(async (tx, manager) => {
        for (const camera of cameras) {
          const { id, ...fields } = camera;
          if (existing.has(id)) await this.updateIn(tx, manager, id, fields, actor);
          else await this.createIn(tx, manager, camera, actor);
        }
      });
    } finally {
      this.located.clear();
      this.devices.clear();
    }
  }

  private async createIn(
    tx: CameraRegistryRepository,
    manager: EntityManager,
    input: CreateCameraInput,
    actor: string,
  ): Promise<CameraEntity> {
    const centreId = await this.resolveCentre(input.district_id, input.centre_id, tx);
    await refuseTakenDeviceChannel(tx, input.id, input.device_id, input.device_channel);
    const created = await tx.insertCamera({
      id: input.id,
      name: input.name,
      districtId: input.district_id,
      centreId,
      latitude: input.latitude ?? null,
      longitude: input.longitude ?? null,
      address: input.address ?? null,
      status: input.status ?? 'active',
      connected: input.connected ?? true,
      kind: input.kind ?? 'camera',
      deviceId: input.device_id ?? null,
      deviceChannel: input.device_channel ?? null,
      silentAfterSeconds: input.silent_after_seconds ?? null,
      minFacePx: input.min_face_px ?? null,
    });
    if (!created) throw new ConflictException(`camera ${input.id} is already registered`);
    const saved = (await tx.findCamera(input.id))!;
    await this.audit.append(
      {
        actor,
        action: 'registry.camera-created',
        subjectType: 'camera',
        subjectId: input.id,
        details: { before: null, after: cameraState(saved) },
      },
      manager,
    );
    return saved;
  }

  /** Moving a camera to another district or centre silently changes who receives its alerts;
   * the audit entry keeps both. Retiring it is its own action. */
  async updateCamera(id: string, patch: UpdateCameraInput, actor: string): Promise<CameraDto> {
    const camera = await this.repository.transaction((tx, manager) =>
      this.updateIn(tx, manager, id, patch, actor),
    );
    this.located.delete(id);
    this.devices.clear();
    return toCameraDto(camera);
  }

  private async updateIn(
    tx: CameraRegistryRepository,
    manager: EntityManager,
    id: string,
    patch: UpdateCameraInput,
    actor: string,
  ): Promise<CameraEntity> {
    const found = await tx.lockCamera(id);
    if (!found) throw new NotFoundException(`camera ${id} is not registered`);
    const before = cameraState(found);
    const districtId = patch.district_id ?? found.districtId;
    const centreId =
      patch.district_id !== undefined || patch.centre_id !== undefined
        ? await this.resolveCentre(districtId, patch.centre_id, tx)
        : found.centreId;
    await refuseTakenDeviceChannel(
      tx,
      id,
      patch.device_id === undefined ? found.deviceId : patch.device_id,
      patch.device_channel === undefined ? found.deviceChannel : patch.device_channel,
    );
    await tx.updateCamera(id, {
      name: patch.name,
      districtId,
      centreId,
      latitude: patch.latitude,
      longitude: patch.longitude,
      address: patch.address,
      status: patch.status,
      connected: patch.connected,
      kind: patch.kind,
      deviceId: patch.device_id,
      deviceChannel: patch.device_channel,
      silentAfterSeconds: patch.silent_after_seconds,
      minFacePx: patch.min_face_px,
    });
    const saved = (await tx.findCamera(id))!;
    const after = cameraState(saved);
    const retired = before.status !== 'retired' && after.status === 'retired';
    await this.audit.append(
      {
        actor,
        action: retired ? 'registry.camera-retired' : 'registry.camera-updated',
        subjectType: 'camera',
        subjectId: id,
        details: { before, after, changed: changedFields(before, after) },
      },
      manager,
    );
    return saved;
  }

  /** The analytics types a centre turned off (none for an unknown centre). */
  async analyticsOff(centreId: string): Promise<readonly string[]> {
    const cached = this.analyticsOffCache.get(centreId);
    if (cached) return cached;
    const off = (await this.repository.findCentre(centreId))?.analyticsOff ?? [];
    this.analyticsOffCache.set(centreId, off);
    return off;
  }

  /** A centre's analytics switches, or 404 for an unknown centre and for one outside the
   * reader's centres (the same answer: no probing; a system administrator reads every centre). */
  async centreAnalytics(
    centreId: string,
    reader: { readonly roles: readonly string[]; readonly centreIds: readonly string[] },
  ): Promise<CentreAnalyticsDto> {
    const centre = await this.repository.findCentre(centreId);
    const inScope =
      centre !== null &&
      (reader.roles.includes('system-admin') ||
        reader.centreIds.includes(centre.id) ||
        (centre.parentCentreId !== null && reader.centreIds.includes(centre.parentCentreId)));
    if (!centre || !inScope) throw new NotFoundException(`centre ${centreId} does not exist`);
    return { centre_id: centreId, off: centre.analyticsOff };
  }

  /** Turns analytics types off (and the others on) for a centre; audited with before and after. */
  async setAnalyticsOff(
    centreId: string,
    input: CentreAnalyticsInput,
    actor: string,
  ): Promise<CentreAnalyticsDto> {
    const off = [...new Set(input.off)].sort();
    await this.repository.transaction(async (tx, manager) => {
      const found = await tx.lockCentre(centreId);
      if (!found) throw new NotFoundException(`centre ${centreId} does not exist`);
      await manager.update(OperationsCentreEntity, { id: centreId }, { analyticsOff: off });
      await this.audit.append(
        {
          actor,
          action: 'registry.centre-analytics-changed',
          subjectType: 'centre',
          subjectId: centreId,
          details: { before: found.analyticsOff, after: off },
        },
        manager,
      );
    });
    this.analyticsOffCache.delete(centreId);
    return { centre_id: centreId, off };
  }

  /** The camera registered for a device's channel (see camera.device_id), or null. */
  async cameraOfDevice(deviceIds: readonly string[], channel: number): Promise<string | null> {
    const key = `${channel}|${deviceIds.join('|')}`;
    const cached = this.devices.get(key);
    if (cached !== undefined) return cached;
    const cameraId = await this.repository.cameraOfDevice(deviceIds, channel);
    this.devices.set(key, cameraId);
    return cameraId;
  }

  /** Records that a camera was heard from (a device event or heartbeat); at most one write per
   * camera and SEEN_WRITE_INTERVAL_MS. */
  async markSeen(cameraId: string, at: Date): Promise<void> {
    const last = this.seenWritten.get(cameraId);
    if (last !== undefined && at.getTime() - last < SEEN_WRITE_INTERVAL_MS) return;
    this.seenWritten.set(cameraId, at.getTime());
    await this.repository.markSeen(cameraId, at);
  }

  /** Where each known camera belongs; unknown ids are absent from the map. */
  async locate(cameraIds: readonly string[]): Promise<Map<string, CameraLocation>> {
    const found = new Map<string, CameraLocation>();
    const missing: string[] = [];
    for (const id of new Set(cameraIds)) {
      const cached = this.located.get(id);
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    for (const location of await this.repository.locateCameras(missing)) {
      found.set(location.cameraId, location);
      this.located.set(location.cameraId, location);
    }
    return found;
  }

  /** Each centre's main centre (null for a main centre), cached like camera locations. */
  async centreParents(): Promise<ReadonlyMap<string, string | null>> {
    let parents = this.parents.get('all');
    if (!parents) {
      const centres = await this.repository.listCentres();
      parents = new Map(centres.map((centre) => [centre.id, centre.parentCentreId]));
      this.parents.set('all', parents);
    }
    return parents;
  }

  /** Upserts every centre, district and camera of a region file in one transaction; what the
   * file does not mention is left as it is. */
  async applyRegion(
    region: RegionFile,
    source: { readonly file: string; readonly sha256: string },
  ): Promise<RegionLoadSummary> {
    const centres: CentreRow[] = region.centres.map((c) => ({
      id: c.id,
      name: c.name,
      kind: c.kind,
      parentCentreId: c.parent ?? null,
    }));
    const districts: DistrictRow[] = region.centres.flatMap((c) =>
      c.districts.map((d) => ({ id: d.id, name: d.name, centreId: c.id })),
    );
    const cameras: CameraRow[] = region.centres.flatMap((c) =>
      c.districts.flatMap((d) =>
        d.cameras.map((camera) => ({
          id: camera.id,
          name: camera.name,
          districtId: d.id,
          centreId: camera.centre_id ?? c.id,
          latitude: camera.latitude ?? null,
          longitude: camera.longitude ?? null,
          address: camera.address ?? null,
          status: camera.status ?? 'active',
          connected: camera.connected ?? true,
          kind: camera.kind ?? 'camera',
          silentAfterSeconds: camera.silent_after_seconds ?? null,
        })),
      ),
    );
    const summary = {
      centres: centres.length,
      districts: districts.length,
      cameras: cameras.length,
    };
    await this.repository.transaction(async (tx, manager) => {
      // parents before children: main centres, district centres, districts, cameras
      await tx.upsertCentres(centres.filter((c) => c.kind === 'main'));
      await tx.upsertCentres(centres.filter((c) => c.kind === 'district'));
      await tx.upsertDistricts(districts);
      for (const c of region.centres)
        for (const d of c.districts)
          if (d.cameras_total !== undefined) await tx.setDistrictTotal(d.id, d.cameras_total);
      for (let i = 0; i < cameras.length; i += 1000) {
        await tx.upsertCameras(cameras.slice(i, i + 1000));
      }
      // the file's hash names the exact version that was applied
      await this.audit.append(
        {
          actor: 'region-file',
          action: 'registry.region-loaded',
          subjectType: 'region',
          subjectId: source.file,
          details: { sha256: source.sha256, ...summary },
        },
        manager,
      );
    });
    this.located.clear();
    this.devices.clear();
    this.parents.clear();
    return summary;
  }

  /** repository: the transaction's, when called inside one (standalone mode has a single
   * database connection). */
  private async resolveCentre(
    districtId: string,
    centreId: string | undefined,
    repository = this.repository,
  ): Promise<string> {
    const district = await repository.findDistrict(districtId);
    if (!district) {
      throw unprocessable('district_id', 'registered', `district ${districtId} does not exist`);
    }
    if (centreId === undefined || centreId === district.centreId) return district.centreId;
    if (!(await repository.findCentre(centreId))) {
      throw unprocessable('centre_id', 'registered', `centre ${centreId} does not exist`);
    }
    return centreId;
  }
}

/** One camera per device channel: a second camera claiming a channel another already has is a
 * 409 naming the field and the camera holding it (not the unique index's 500, nor "already
 * registered"). */
async function refuseTakenDeviceChannel(
  tx: CameraRegistryRepository,
  cameraId: string,
  deviceId: string | null | undefined,
  channel: number | null | undefined,
): Promise<void> {
  if (deviceId == null || channel == null) return;
  const holder = await tx.cameraOfDevice([deviceId], channel);
  if (holder === null || holder === cameraId) return;
  throw new FieldErrorsException(HttpStatus.CONFLICT, [
    {
      field: 'device_channel',
      rule: 'device_channel_taken',
      message: `channel ${channel} of device ${deviceId} is camera ${holder} already`,
      params: { camera_id: holder },
    },
  ]);
}
