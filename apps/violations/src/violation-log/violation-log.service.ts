import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { centreScopeOf, StaffPrincipal } from '@kuzet/auth';
import { AuditLogService } from '@kuzet/audit-log';
import {
  CameraEvent,
  encodeCameraEvent,
  timestampDate,
  Violation,
  violationCodeName,
} from '@kuzet/contracts';
import { MESSAGE_BUS, MessageBus, TOPICS, VIOLATION_HEADERS } from '@kuzet/messaging';
import { counter } from '@kuzet/observability';
import { ViolationRecordEntity } from '@kuzet/persistence';
import { CameraRegistryService, OwnCentreScope, ownCentreScope } from '@kuzet/registry';
import { cursorInstant, isUuid, RequestValidationException } from '@kuzet/http';
import { PageCursor, ViolationFilter, ViolationRepository } from './violation.repository';
import {
  ListQuery,
  StatsDto,
  StatsQuery,
  ViolationDto,
  ViolationPageDto,
} from './violation.schemas';

const logged = counter({
  name: 'kuzet_violations_logged_total',
  help: 'Violations handled by the violation log, by code and outcome (logged, duplicate)',
  labelNames: ['code', 'outcome'] as const,
});

/** The violation log: each violation event logged once by event_id with the district and
 * centre its camera belonged to at that moment, published to kuzet.violations.v1, counted and
 * queried. */
@Injectable()
export class ViolationLogService {
  constructor(
    private readonly repository: ViolationRepository,
    private readonly registry: CameraRegistryService,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly audit: AuditLogService,
  ) {}

  /** Publishes before it logs, so whatever is in the log is on the topic too; a crash in between
   * publishes the violation once more on redelivery, and consumers deduplicate by event_id. */
  async log(event: CameraEvent, violation: Violation): Promise<void> {
    // the validation gate has already refused an unknown code
    const code = violationCodeName(violation.code)!;
    if (await this.repository.exists(event.eventId)) {
      logged.inc({ code, outcome: 'duplicate' });
      return;
    }
    const camera = (await this.registry.locate([event.cameraId])).get(event.cameraId);
    const loggedAt = new Date();
    await this.bus.publish(TOPICS.violations, [
      {
        key: event.cameraId,
        value: encodeCameraEvent(event),
        headers: {
          [VIOLATION_HEADERS.districtId]: camera?.districtId ?? '',
          [VIOLATION_HEADERS.centreId]: camera?.centreId ?? '',
          [VIOLATION_HEADERS.loggedAt]: loggedAt.toISOString(),
        },
      },
    ]);
    const inserted = await this.repository.insert({
      eventId: event.eventId,
      cameraId: event.cameraId,
      districtId: camera?.districtId ?? null,
      centreId: camera?.centreId ?? null,
      code,
      plate: violation.plate,
      measuredSpeedKmh: violation.measuredSpeedKmh ?? null,
      limitSpeedKmh: violation.limitSpeedKmh ?? null,
      evidenceRef: violation.evidenceRef,
      lane: violation.lane ?? null,
      sourceId: event.sourceId ?? null,
      capturedAt: timestampDate(event.capturedAt!),
      loggedAt,
    });
    logged.inc({ code, outcome: inserted ? 'logged' : 'duplicate' });
  }

  /** Reads of the log carry plates: each is audited before it is answered, and fails if the
   * entry cannot be written. The plate belongs in the audit entry, never in application logs.
   * Every read is limited to the reader's centres (the rule of their alerts); another centre's
   * violation is answered as one never logged, so its existence is not confirmed. */
  async get(reader: StaffPrincipal, eventId: string): Promise<ViolationDto> {
    const record = await this.repository.findOne(eventId, await this.scopeOf(reader));
    if (!record) throw new NotFoundException(`violation ${eventId} is not in the log`);
    await this.audit.append({
      actor: reader.username,
      action: 'violation.viewed',
      subjectType: 'violation',
      subjectId: eventId,
      details: { userId: reader.userId, plate: record.plate, cameraId: record.cameraId },
    });
    return toViolationDto(record);
  }

  async list(reader: StaffPrincipal, query: ListQuery): Promise<ViolationPageDto> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const records = await this.repository.page(
      toFilter(await this.scopeOf(reader), query),
      after,
      query.limit,
    );
    const { reason, ...filters } = query;
    await this.audit.append({
      actor: reader.username,
      action: 'violation.searched',
      // a search by plate is about that car: the auditor finds it by subject
      subjectType: query.plate === undefined ? 'violations' : 'plate',
      subjectId: query.plate ?? '*',
      details: { userId: reader.userId, filters, reason: reason ?? null, returned: records.length },
    });
    const last = records.length === query.limit ? records[records.length - 1] : undefined;
    return {
      items: records.map(toViolationDto),
      next_cursor: last
        ? encodeCursor({ capturedAt: last.capturedAt, eventId: last.eventId })
        : null,
    };
  }

  async stats(reader: StaffPrincipal, query: StatsQuery): Promise<StatsDto> {
    const rows = await this.repository.count(
      toFilter(await this.scopeOf(reader), query),
      query.group_by,
      query.tz,
    );
    return {
      group_by: query.group_by,
      tz: query.tz,
      total: rows.reduce((sum, r) => sum + r.count, 0),
      rows: rows.map((r) => ({
        ...(r.districtId !== undefined && { district_id: r.districtId }),
        ...(r.code !== undefined && { code: r.code }),
        ...(r.period !== undefined && { period: r.period }),
        count: r.count,
      })),
    };
  }

  /** The violation log stores the centre that owned the camera when each was logged, so a
   * scope is matched by that centre and the district centres below the reader's. */
  private async scopeOf(reader: StaffPrincipal): Promise<OwnCentreScope> {
    return ownCentreScope(centreScopeOf(reader), await this.registry.centreParents());
  }
}

function toFilter(
  scope: OwnCentreScope,
  query: Omit<Partial<ListQuery>, 'limit' | 'cursor'>,
): ViolationFilter {
  return {
    scope,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
    districtId: query.district_id,
    centreId: query.centre_id,
    cameraId: query.camera_id,
    code: query.code,
    plate: query.plate,
  };
}

function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.capturedAt.toISOString()}|${cursor.eventId}`).toString('base64url');
}

function decodeCursor(text: string): PageCursor {
  const [at, eventId] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const capturedAt = cursorInstant(at ?? '');
  if (capturedAt === null || !isUuid(eventId ?? '')) {
    throw new RequestValidationException([
      { field: 'cursor', rule: 'invalid_cursor', message: 'not a next_cursor of this API' },
    ]);
  }
  return { capturedAt, eventId: eventId! };
}

function toViolationDto(r: ViolationRecordEntity): ViolationDto {
  return {
    event_id: r.eventId,
    camera_id: r.cameraId,
    district_id: r.districtId,
    centre_id: r.centreId,
    code: r.code,
    plate: r.plate,
    measured_speed_kmh: r.measuredSpeedKmh,
    limit_speed_kmh: r.limitSpeedKmh,
    evidence_ref: r.evidenceRef,
    lane: r.lane,
    source_id: r.sourceId,
    captured_at: r.capturedAt.toISOString(),
    logged_at: r.loggedAt.toISOString(),
  };
}
