import { CameraEntity } from './camera.entity';
import { IngestedEventEntity } from './ingested-event.entity';
import { IntegratorApiKeyEntity } from './integrator-api-key.entity';
import { ViolationRecordEntity } from './violation-record.entity';
import { DistrictEntity } from './district.entity';
import { OperationsCentreEntity } from './operations-centre.entity';
import { AlertDecisionEntity } from './alert-decision.entity';
import { AlertEntity } from './alert.entity';
import { EnrolledFaceEntity } from './enrolled-face.entity';
import { HitEvidenceEntity } from './hit-evidence.entity';
import { MatchLogEntity } from './match-log.entity';
import { WatchlistEntity } from './watchlist.entity';
import { WatchlistHitEntity } from './watchlist-hit.entity';
import { WatchlistPersonEntity } from './watchlist-person.entity';
import { AuditLogEntryEntity } from './audit-log-entry.entity';
import { StaffUserEntity } from './staff-user.entity';

export { CameraEntity, DistrictEntity, OperationsCentreEntity };
export { IngestedEventEntity, IntegratorApiKeyEntity, ViolationRecordEntity };
export type { CameraStatus } from './camera.entity';
export type { CentreKind } from './operations-centre.entity';
export {
  AlertDecisionEntity,
  AlertEntity,
  EnrolledFaceEntity,
  HitEvidenceEntity,
  MatchLogEntity,
  WatchlistEntity,
  WatchlistHitEntity,
  WatchlistPersonEntity,
};
export type { WatchlistCategory, WatchlistStatus } from './watchlist.entity';
export type { PersonStatus } from './watchlist-person.entity';
export { AuditLogEntryEntity, StaffUserEntity };
export type { StaffUserStatus } from './staff-user.entity';
export type { AlertKind, AlertState } from './alert.entity';
export { ALERT_KINDS, ALERT_STATES, TERMINAL_ALERT_STATES } from './alert.entity';
export type { DecisionAction } from './alert-decision.entity';

export const ENTITIES = [
  OperationsCentreEntity,
  DistrictEntity,
  CameraEntity,
  IntegratorApiKeyEntity,
  IngestedEventEntity,
  ViolationRecordEntity,
  WatchlistEntity,
  WatchlistPersonEntity,
  EnrolledFaceEntity,
  WatchlistHitEntity,
  MatchLogEntity,
  HitEvidenceEntity,
  AlertEntity,
  AlertDecisionEntity,
  StaffUserEntity,
  AuditLogEntryEntity,
];
export { earliestExpiry } from './expiry';
