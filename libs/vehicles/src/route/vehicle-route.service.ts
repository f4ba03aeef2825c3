import { HttpStatus, Injectable } from '@nestjs/common';
import { AuditLogService } from '@kuzet/audit-log';
import type { StaffPrincipal } from '@kuzet/auth';
import { VehicleDirection } from '@kuzet/contracts';
import { FieldErrorsException, RequestValidationException } from '@kuzet/http';
import { normalisePlate } from '../plates/normalise';
import { PlateReadRepository } from '../reads/plate-read.repository';
import { RouteDto, RouteQuery } from './vehicle-route.dto';

export const HISTORY_SEARCHED = 'vehicle.history-searched';

/**
 * One plate's sightings in a time window. A plate on an active list is the operators' work;
 * the history of a car on no list is purpose-bound: supervisors only, with a stated reason.
 * Every answer is on the audit log before it is sent (plate, reason, whether it was listed).
 */
@Injectable()
export class VehicleRouteService {
  constructor(
    private readonly reads: PlateReadRepository,
    private readonly audit: AuditLogService,
  ) {}

  async route(user: StaffPrincipal, query: RouteQuery): Promise<RouteDto> {
    const plate = normalisePlate(query.plate)!.text;
    const onList = await this.reads.isListed(plate, new Date());
    if (!onList) {
      if (!user.roles.includes('supervisor'))
        throw new FieldErrorsException(HttpStatus.FORBIDDEN, [
          {
            field: 'plate',
            rule: 'plate_not_listed',
            message: 'the plate is on no active list: only a supervisor may search its route',
          },
        ]);
      if (query.reason === undefined)
        throw new RequestValidationException([
          { field: 'reason', rule: 'required', message: 'reason_required_for_unlisted_plate' },
        ]);
    }
    const from = new Date(query.from);
    const to = new Date(query.to);
    const rows = await this.reads.sightings(plate, from, to, query.limit + 1);
    const truncated = rows.length > query.limit;
    const kept = truncated ? rows.slice(rows.length - query.limit) : rows;
    await this.audit.append({
      actor: user.username,
      action: HISTORY_SEARCHED,
      subjectType: 'plate',
      subjectId: plate,
      details: {
        userId: user.userId,
        reason: query.reason ?? null,
        onList,
        from: from.toISOString(),
        to: to.toISOString(),
        returned: kept.length,
      },
    });
    return {
      plate,
      on_list: onList,
      from: from.toISOString(),
      to: to.toISOString(),
      truncated,
      sightings: kept.map((s, i) => ({
        event_id: s.eventId,
        camera_id: s.cameraId,
        camera_name: s.cameraName,
        latitude: s.latitude,
        longitude: s.longitude,
        seen_at: s.readAt.toISOString(),
        direction: VehicleDirection[s.direction] ?? 'UNSPECIFIED',
        seconds_since_previous:
          i === 0 ? null : (s.readAt.getTime() - kept[i - 1]!.readAt.getTime()) / 1000,
      })),
    };
  }
}
