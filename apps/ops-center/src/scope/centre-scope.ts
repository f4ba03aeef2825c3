import { Injectable } from '@nestjs/common';
import { centreScopeOf, StaffPrincipal } from '@kuzet/auth';
import {
  CameraRegistryService,
  CentreRoute,
  CentreScope,
  centresWithDistricts,
  inCentreScope,
} from '@kuzet/registry';

/** Which centres' alerts and violations a user may see (operators and supervisors: no
 * ALL_CENTRES grant, so always their centres). */
export type AlertScope = CentreScope;

/** The one answer to "which centres' alerts may this user see", for the alerts API, the live
 * socket and the violation feed: a user sees the centres they belong to and the district
 * centres below them (supervisors also what no centre owns); the centre tree comes from the
 * camera registry and its cache. */
@Injectable()
export class CentreScopes {
  constructor(private readonly registry: CameraRegistryService) {}

  of(user: StaffPrincipal): AlertScope {
    return centreScopeOf(user);
  }

  admits(user: StaffPrincipal, route: CentreRoute): boolean {
    return inCentreScope(centreScopeOf(user), route);
  }

  /** The analytics types a centre turned off (cached by the registry). */
  analyticsOff(centreId: string): Promise<readonly string[]> {
    return this.registry.analyticsOff(centreId);
  }

  /** Where a camera's alerts go, or null for a camera the registry does not know. */
  async routeOfCamera(
    cameraId: string,
  ): Promise<(CentreRoute & { readonly districtId: string }) | null> {
    const location = (await this.registry.locate([cameraId])).get(cameraId);
    return location
      ? {
          centreId: location.centreId,
          parentCentreId: location.parentCentreId,
          districtId: location.districtId,
        }
      : null;
  }

  /** Where a record logged for a centre goes: that centre and its main centre. The centre is
   * the one that owned the camera when the record was logged, so its parent is looked up by
   * centre, not by the camera (which may have moved since). */
  async routeOfCentre(centreId: string | null): Promise<CentreRoute> {
    if (centreId === null) return { centreId, parentCentreId: null };
    return {
      centreId,
      parentCentreId: (await this.registry.centreParents()).get(centreId) ?? null,
    };
  }

  /** The scope's centres with the district centres whose parent they are: for queries by a
   * record's own centre (the violation log stores no parent). */
  async centresWithDistricts(scope: AlertScope): Promise<string[] | null> {
    if (!scope.allCentres && scope.centreIds.length === 0) return [];
    return centresWithDistricts(scope, await this.registry.centreParents());
  }
}
