import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { centreScopeOf, StaffPrincipal } from '@kuzet/auth';
import { centresWithDistricts } from '@kuzet/registry';
import { AuditLogService } from '@kuzet/audit-log';
import { EvidenceReader, isEvidenceRef } from '@kuzet/evidence';
import {
  cursorInstant,
  decodeCursor as decodePageCursor,
  encodeCursor as encodePageCursor,
  isUuid,
  PageQuery,
  RequestValidationException,
} from '@kuzet/http';
import {
  AuditLogPageDto,
  ChainVerificationApi,
  toAuditLogEntryApi,
  toChainVerificationApi,
} from './audit-log.dto';
import {
  AuditLogQuery,
  AuditWatchlistPageDto,
  HitFilterQuery,
  HitPageDto,
  HitPageQuery,
  HitRecordDto,
  HitTimelineDto,
  TimelineEventDto,
} from './audit-query.schemas';
import { AuditCheckpointService } from '../chain/audit-checkpoint.service';
import { AuditQueryRepository, HitFilter, HitKey, HitRow } from './audit-query.repository';
import { hitCsvHeader, hitCsvLine } from './hits-csv';
import { hitsXlsx } from './hits-xlsx';
import { Readable } from 'node:stream';

const EXPORT_PAGE = 1_000;

/** What auditors ask. Every question is itself written to the audit log, with who asked it
 * and the filters, before it is answered. Answers are limited to the auditor's centres (and
 * the district centres below them): hits by where they were routed, the audit log's entries by
 * whose staff acted or which staff, records and registry entries of theirs they are about; an
 * auditor without centres sees none, one granted ALL_CENTRES every one. A hit outside them is
 * answered as one that does not exist. Chain verification checks the whole chain on the server
 * for any auditor: it answers counts, sequence numbers and hashes, never an entry's contents. */
@Injectable()
export class AuditQueryService {
  constructor(
    private readonly repository: AuditQueryRepository,
    private readonly audit: AuditLogService,
    private readonly checkpoints: AuditCheckpointService,
    private readonly evidence: EvidenceReader,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {}

  /** The probe face crop of a hit (JPEG), read after the read is on the audit log. */
  async faceCrop(auditor: StaffPrincipal, hitId: string): Promise<Buffer> {
    const hit = await this.repository.hit(hitId, centreScopeOf(auditor));
    if (!hit) throw new NotFoundException(`hit ${hitId} does not exist`);
    await this.audit.append({
      actor: auditor.username,
      action: 'audit.face-crop-viewed',
      subjectType: 'hit',
      subjectId: hitId,
      details: { userId: auditor.userId, personId: hit.person_id },
    });
    const jpeg = hit.face_crop_ref ? await this.evidence.get(hit.face_crop_ref) : null;
    if (!jpeg) {
      throw new NotFoundException(
        `hit ${hitId} has no face crop (none sent, or purged after retention)`,
      );
    }
    return jpeg;
  }

  /** Watchlists by name, ids and names only: what the auditor filters hits by. */
  async watchlists(auditor: StaffPrincipal, query: PageQuery): Promise<AuditWatchlistPageDto> {
    const after =
      query.cursor === undefined ? undefined : decodePageCursor(query.cursor, 2).map(String);
    await this.recordQuery(auditor, 'watchlists', 'watchlists', '*', query);
    const rows = await this.repository.watchlists(
      after === undefined ? undefined : [after[0]!, after[1]!],
      query.limit + 1,
    );
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor:
        rows.length > query.limit && last ? encodePageCursor([last.name, last.id]) : null,
    };
  }

  async hits(auditor: StaffPrincipal, query: HitPageQuery): Promise<HitPageDto> {
    const { limit, cursor, ...filters } = query;
    await this.recordQuery(auditor, 'hits', 'hits', '*', query);
    const rows = await this.repository.hits(
      toHitFilter(auditor, filters),
      cursor ? decodeCursor(cursor) : null,
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toHitDto),
      next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }

  /** Every hit that matches, as CSV lines, read a page at a time so memory stays flat. */
  async exportHitsCsv(
    auditor: StaffPrincipal,
    query: HitFilterQuery,
  ): Promise<AsyncIterable<string>> {
    const filter = await this.exportable(auditor, query);
    await this.recordQuery(auditor, 'hits-export', 'hits', '*', query);
    return this.hitCsvLines(filter);
  }

  /** Every hit that matches as an XLSX workbook, streamed. */
  async exportHitsXlsx(auditor: StaffPrincipal, query: HitFilterQuery): Promise<Readable> {
    const filter = await this.exportable(auditor, query);
    await this.recordQuery(auditor, 'hits-export-xlsx', 'hits', '*', query);
    return hitsXlsx(this.allHits(filter));
  }

  /** An export is refused, before a byte is written, when its filters select more hits than
   * AUDIT_EXPORT_MAX_ROWS: a file cut short could be taken for all of them. */
  private async exportable(auditor: StaffPrincipal, query: HitFilterQuery): Promise<HitFilter> {
    const filter = toHitFilter(auditor, query);
    const cap = this.config.AUDIT_EXPORT_MAX_ROWS;
    if ((await this.repository.countHits(filter, cap + 1)) > cap)
      throw new RequestValidationException([
        {
          field: '$',
          rule: 'too_big',
          message: `the filters select more than ${cap} hits: narrow them (time range, camera, person)`,
          params: { maximum: cap, inclusive: true },
        },
      ]);
    return filter;
  }

  private async *hitCsvLines(filter: HitFilter): AsyncGenerator<string> {
    yield hitCsvHeader();
    for await (const hit of this.allHits(filter)) yield hitCsvLine(hit);
  }

  /** Every hit the filter selects, a page at a time. */
  private async *allHits(filter: HitFilter): AsyncGenerator<HitRecordDto> {
    let after: HitKey | null = null;
    for (;;) {
      const rows = await this.repository.hits(filter, after, EXPORT_PAGE);
      for (const row of rows) yield toHitDto(row);
      const last = rows[rows.length - 1];
      if (rows.length < EXPORT_PAGE || !last) return;
      after = { capturedAt: last.captured_at_key, hitId: last.hit_id };
    }
  }

  /** The camera event, each sighting, the hit, the alert and every decision, by time. */
  async timeline(auditor: StaffPrincipal, hitId: string): Promise<HitTimelineDto> {
    await this.recordQuery(auditor, 'hit-timeline', 'hit', hitId, { hitId });
    const hit = await this.repository.hit(hitId, centreScopeOf(auditor));
    if (!hit) throw new NotFoundException(`hit ${hitId} does not exist`);
    const [sightings, alert, decisions, logged] = await Promise.all([
      this.repository.sightings(hitId),
      this.repository.alert(hitId),
      this.repository.decisions(hitId),
      this.audit.search({ subjectId: hitId, limit: 1_000 }),
    ]);
    const ingested = await this.repository.ingestedEvents(sightings.map((s) => s.event_id));
    const events: TimelineEventDto[] = [
      ...sightings.map((s) => ({
        at: s.captured_at.toISOString(),
        kind: 'camera_event.captured',
        actor: null,
        details: { eventId: s.event_id, cameraId: hit.camera_id },
      })),
      ...ingested.map((e) => ({
        at: e.accepted_at.toISOString(),
        kind: 'camera_event.ingested',
        actor: `api-key:${e.api_key_id}`,
        details: { eventId: e.event_id, publishedAt: e.published_at?.toISOString() ?? null },
      })),
      ...sightings.map((s) => ({
        at: s.matched_at.toISOString(),
        kind: 'sighting',
        actor: 'matcher',
        details: { eventId: s.event_id, similarity: s.similarity, faceCropRef: s.face_crop_ref },
      })),
      {
        at: hit.matched_at.toISOString(),
        kind: 'hit.matched',
        actor: 'matcher',
        details: {
          personId: hit.person_id,
          watchlistId: hit.watchlist_id,
          similarity: hit.similarity,
          threshold: hit.threshold,
        },
      },
      ...(alert
        ? [
            {
              at: alert.created_at.toISOString(),
              kind: 'alert.created',
              actor: 'ops-center',
              details: { centreId: alert.centre_id },
            },
          ]
        : []),
      ...decisions.map((d) => ({
        at: d.decided_at.toISOString(),
        kind: `decision.${d.action}`,
        actor: d.username,
        details: { userId: d.user_id, reason: d.reason },
      })),
      ...logged.map((entry) => ({
        at: entry.occurredAt,
        kind: entry.action,
        actor: entry.actor,
        details: { auditSeq: entry.seq, ...entry.details },
      })),
    ];
    events.sort((a, b) => a.at.localeCompare(b.at));
    return { hit: toHitDto(hit), events };
  }

  async auditLog(auditor: StaffPrincipal, query: AuditLogQuery): Promise<AuditLogPageDto> {
    const at =
      query.cursor === undefined ? undefined : Number(decodePageCursor(query.cursor, 1)[0]);
    if (at !== undefined && !(Number.isSafeInteger(at) && at >= 0)) {
      throw new RequestValidationException([
        { field: 'cursor', rule: 'invalid_cursor', message: 'not a cursor this API gave out' },
      ]);
    }
    await this.recordQuery(auditor, 'audit-log', 'audit-log', '*', query);
    const newestFirst = query.order === 'desc';
    const items = await this.audit.search({
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      actor: query.actor,
      action: query.action,
      actions: query.actions?.split(','),
      subjectType: query.subject_type,
      subjectId: query.subject_id,
      afterSeq: newestFirst ? undefined : at,
      beforeSeq: newestFirst ? at : undefined,
      newestFirst,
      centreIds: await this.entryCentres(auditor),
      limit: query.limit + 1,
    });
    const page = items.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toAuditLogEntryApi),
      next_cursor: items.length > query.limit && last ? encodePageCursor([last.seq]) : null,
    };
  }

  async verifyChain(auditor: StaffPrincipal): Promise<ChainVerificationApi> {
    await this.recordQuery(auditor, 'audit-verify', 'audit-log', '*', {});
    return toChainVerificationApi(await this.checkpoints.verifyAndRecord());
  }

  /** Which centres' entries of the audit log an auditor reads: theirs and the district centres
   * below (undefined: every entry, for ALL_CENTRES; the repository says which entries concern
   * a centre). */
  private async entryCentres(auditor: StaffPrincipal): Promise<string[] | undefined> {
    const scope = centreScopeOf(auditor);
    if (scope.allCentres) return undefined;
    return centresWithDistricts(scope, await this.repository.centreParents()) ?? undefined;
  }

  private recordQuery(
    auditor: StaffPrincipal,
    query: string,
    subjectType: string,
    subjectId: string,
    filters: object,
  ): Promise<void> {
    return this.audit.append({
      actor: auditor.username,
      action: 'audit.query',
      subjectType,
      subjectId,
      details: { query, filters, userId: auditor.userId },
    });
  }
}

function toHitFilter(auditor: StaffPrincipal, query: HitFilterQuery): HitFilter {
  return {
    scope: centreScopeOf(auditor),
    centreId: query.centre_id,
    personName: query.person_name,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
    cameraId: query.camera_id,
    districtId: query.district_id,
    personId: query.person_id,
    watchlistId: query.watchlist_id,
    operator: query.operator,
    decision: query.decision,
    minScore: query.min_score,
    maxScore: query.max_score,
  };
}

function encodeCursor(row: HitRow): string {
  return Buffer.from(JSON.stringify([row.captured_at_key, row.hit_id])).toString('base64url');
}

function decodeCursor(cursor: string): HitKey {
  try {
    const [capturedAt, hitId] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as unknown[];
    if (
      typeof capturedAt === 'string' &&
      /\.\d{6}Z$/.test(capturedAt) &&
      cursorInstant(capturedAt) !== null &&
      typeof hitId === 'string' &&
      isUuid(hitId)
    ) {
      return { capturedAt, hitId };
    }
  } catch {
    // answered below like any other bad cursor
  }
  throw new RequestValidationException([
    { field: 'cursor', rule: 'invalid_cursor', message: 'not a next_cursor this API gave' },
  ]);
}

function toHitDto(row: HitRow): HitRecordDto {
  const {
    captured_at_key: _,
    face_crop_ref,
    captured_at,
    matched_at,
    last_seen_at,
    decided_at,
    ...rest
  } = row;
  return {
    ...rest,
    has_face_crop: isEvidenceRef(face_crop_ref),
    captured_at: captured_at.toISOString(),
    matched_at: matched_at.toISOString(),
    last_seen_at: last_seen_at.toISOString(),
    decided_at: decided_at?.toISOString() ?? null,
  };
}
