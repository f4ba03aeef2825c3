import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { counter } from '@kuzet/observability';

const byPerson = counter({
  name: 'kuzet_matcher_suppressions_by_person_total',
  help: 'Probes a "not this person" negative kept from alerting, by watchlist person',
  labelNames: ['person_id'] as const,
});
const byCamera = counter({
  name: 'kuzet_matcher_suppressions_by_camera_total',
  help: 'Probes a "not this person" negative kept from alerting, by camera',
  labelNames: ['camera_id'] as const,
});

export interface SuppressedProbe {
  readonly eventId: string;
  readonly cameraId: string;
  readonly personId: string;
  readonly watchlistId: string;
  readonly negativeId: string;
  readonly similarity: number;
  readonly negativeSimilarity: number;
  readonly margin: number;
  readonly ceiling: number;
  readonly capturedAt: Date;
}

/** A probe that crossed the threshold but was closer to one of the person's negatives: no alert,
 * but a record (and an audit entry) of what was suppressed and by which negative. Idempotent by
 * (event_id, person_id), so a redelivered event is recorded and counted once. */
@Injectable()
export class SuppressionRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLogService,
  ) {}

  async record(probe: SuppressedProbe): Promise<boolean> {
    const recorded = await this.dataSource.transaction(async (manager) => {
      const id = randomUUID();
      const inserted: unknown[] = await manager.query(
        `INSERT INTO suppressed_match (id, event_id, camera_id, person_id, watchlist_id,
           negative_id, similarity, negative_similarity, margin, ceiling, captured_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (event_id, person_id) DO NOTHING RETURNING id`,
        [
          id,
          probe.eventId,
          probe.cameraId,
          probe.personId,
          probe.watchlistId,
          probe.negativeId,
          probe.similarity,
          probe.negativeSimilarity,
          probe.margin,
          probe.ceiling,
          probe.capturedAt,
        ],
      );
      if (inserted.length === 0) return false;
      await this.audit.append(
        {
          actor: 'matcher',
          action: 'hit.suppressed',
          subjectType: 'person',
          subjectId: probe.personId,
          details: { suppressionId: id, ...probe, capturedAt: probe.capturedAt.toISOString() },
        },
        manager,
      );
      return true;
    });
    if (recorded) {
      byPerson.inc({ person_id: probe.personId });
      byCamera.inc({ camera_id: probe.cameraId });
    }
    return recorded;
  }
}
