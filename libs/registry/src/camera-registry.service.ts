import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
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
  toCentreDto,
  toDistrictDto,
} from './registry.dto';
import {
  CameraQuery,
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

/** Which centre owns which camera, and the rules that keep centres, districts and cameras
 * consistent. Camera lookups on the ingest hot path are cached for a short time. */
@Injectable()
export class CameraRegistryService {
  private readonly located = new Map<string, { location: CameraLocation; expiresAt: number }>();

  constructor(
    private readonly repository: CameraRegistryRepository,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {}

  async listCentres(): Promise<CentreDto[]> {
    return (await this.repository.listCentres()).map(toCentreDto);
  }

  async putCentre(input: CentreInput): Promise<CentreDto> {
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
    await this.repository.upsertCentres([row]);
    return toCentreDto({ ...row, createdAt: new Date() });
  }

  async listDistricts(): Promise<DistrictDto[]> {
    return (await this.repository.listDistricts()).map(toDistrictDto);
  }

  async putDistrict(input: DistrictInput): Promise<DistrictDto> {
    if (!(await this.repository.findCentre(input.centre_id))) {
      throw unprocessable('centre_id', 'registered', `centre ${input.centre_id} does not exist`);
    }
    const row: DistrictRow = { id: input.id, name: input.name, centreId: input.centre_id };
    await this.repository.upsertDistricts([row]);
    return toDistrictDto({ ...row, createdAt: new Date() });
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

  async getCamera(id: string): Promise<CameraDto> {
    const camera = await this.repository.findCamera(id);
    if (!camera) throw new NotFoundException(`camera ${id} is not registered`);
    return toCameraDto(camera);
  }

  async createCamera(input: CreateCameraInput): Promise<CameraDto> {
    const centreId = await this.resolveCentre(input.district_id, input.centre_id);
    const created = await this.repository.insertCamera({
      id: input.id,
      name: input.name,
      districtId: input.district_id,
      centreId,
      latitude: input.latitude ?? null,
      longitude: input.longitude ?? null,
      address: input.address ?? null,
      status: input.status ?? 'active',
    });
    if (!created) throw new ConflictException(`camera ${input.id} is already registered`);
    return this.getCamera(input.id);
  }

  async updateCamera(id: string, patch: UpdateCameraInput): Promise<CameraDto> {
    const camera = await this.repository.findCamera(id);
    if (!camera) throw new NotFoundException(`camera ${id} is not registered`);
    const districtId = patch.district_id ?? camera.districtId;
    const centreId =
      patch.district_id !== undefined || patch.centre_id !== undefined
        ? await this.resolveCentre(districtId, patch.centre_id)
        : camera.centreId;
    await this.repository.updateCamera(id, {
      name: patch.name,
      districtId,
      centreId,
      latitude: patch.latitude,
      longitude: patch.longitude,
      address: patch.address,
      status: patch.status,
    });
    this.located.delete(id);
    return this.getCamera(id);
  }

  /** Where each known camera belongs; unknown ids are absent from the map. */
  async locate(cameraIds: readonly string[]): Promise<Map<string, CameraLocation>> {
    const now = Date.now();
    const found = new Map<string, CameraLocation>();
    const missing: string[] = [];
    for (const id of new Set(cameraIds)) {
      const cached = this.located.get(id);
      if (cached && cached.expiresAt > now) found.set(id, cached.location);
      else missing.push(id);
    }
    const expiresAt = now + this.config.REGISTRY_CACHE_TTL_MS;
    for (const location of await this.repository.locateCameras(missing)) {
      found.set(location.cameraId, location);
      this.located.set(location.cameraId, { location, expiresAt });
    }
    return found;
  }

  /** Upserts every centre, district and camera of a region file in one transaction; what the
   * file does not mention is left as it is. */
  async applyRegion(region: RegionFile): Promise<RegionLoadSummary> {
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
        })),
      ),
    );
    await this.repository.transaction(async (tx) => {
      // parents before children: main centres, district centres, districts, cameras
      await tx.upsertCentres(centres.filter((c) => c.kind === 'main'));
      await tx.upsertCentres(centres.filter((c) => c.kind === 'district'));
      await tx.upsertDistricts(districts);
      for (let i = 0; i < cameras.length; i += 1000) {
        await tx.upsertCameras(cameras.slice(i, i + 1000));
      }
    });
    this.located.clear();
    return { centres: centres.length, districts: districts.length, cameras: cameras.length };
  }

  private async resolveCentre(districtId: string, centreId: string | undefined): Promise<string> {
    const district = await this.repository.findDistrict(districtId);
    if (!district) {
      throw unprocessable('district_id', 'registered', `district ${districtId} does not exist`);
    }
    if (centreId === undefined || centreId === district.centreId) return district.centreId;
    if (!(await this.repository.findCentre(centreId))) {
      throw unprocessable('centre_id', 'registered', `centre ${centreId} does not exist`);
    }
    return centreId;
  }
}
