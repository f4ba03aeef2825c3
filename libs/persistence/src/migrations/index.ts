import { CameraRegistry1763769600000 } from './1763769600000-camera-registry';
import { IntegratorApiKeys1763800000000 } from './1763800000000-integrator-api-keys';
import { IngestedEvents1763800100000 } from './1763800100000-ingested-events';
import { ViolationRecord1763800200000 } from './1763800200000-violation-record';
import { WatchlistsAndMatchLog1763900000000 } from './1763900000000-watchlists-and-match-log';
import { Alerts1764000000000 } from './1764000000000-alerts';
import { StaffUsersAndAuditLog1764100000000 } from './1764100000000-staff-users-and-audit-log';
import { ViolationFeedPaging1764200000000 } from './1764200000000-violation-feed-paging';
import { AuditChainKeys1764300000000 } from './1764300000000-audit-chain-keys';
import { SignInAttemptsAndSessions1764310000000 } from './1764310000000-sign-in-attempts-and-sessions';
import { CameraEventFingerprints1764400000000 } from './1764400000000-camera-event-fingerprints';
import { VehicleListsAndHits1764500000000 } from './1764500000000-vehicle-lists-and-hits';
import { PlateRead1764600000000 } from './1764600000000-plate-read';
import { CameraDeviceChannel1764700000000 } from './1764700000000-camera-device-channel';
import { VehicleHitCard1764710000000 } from './1764710000000-vehicle-hit-card';
import { WatchlistAdmin1796431938433 } from './1796431938433-watchlist-admin';
import { AlertOutcomes1796431943912 } from './1796431943912-alert-outcomes';
import { LearningFromDecisions1796431969816 } from './1796431969816-learning-from-decisions';
import { ApiKeyDigest1796433148531 } from './1796433148531-api-key-digest';
import { CentreAnalyticsOff1796435228338 } from './1796435228338-centre-analytics-off';
import { DigestOptInAndReplay1796436518597 } from './1796436518597-digest-opt-in-and-replay';
import { LearningRetentionIndexes1796436669103 } from './1796436669103-learning-retention-indexes';
import { NegativeApproval1796436894019 } from './1796436894019-negative-approval';
import { BadgeIdentification1797004000000 } from './1797004000000-badge-identification';
import { CameraMinFaceSize1797005000000 } from './1797005000000-camera-min-face-size';
import { CameraOfflineAlerts1797006000000 } from './1797006000000-camera-offline-alerts';
import { AlertAssignee1797007000000 } from './1797007000000-alert-assignee';
import { AuditorCentres1797010000000 } from './1797010000000-auditor-centres';
import { VehicleListArchive1797010000001 } from './1797010000001-vehicle-list-archive';
import { PersonInstructions1797011000000 } from './1797011000000-person-instructions';
import { CameraRegistryVersion1797013000000 } from './1797013000000-camera-registry-version';

/** Applied in this order; never edit a released migration, add a new one. */
export const MIGRATIONS = [
  CameraRegistry1763769600000,
  IntegratorApiKeys1763800000000,
  IngestedEvents1763800100000,
  ViolationRecord1763800200000,
  WatchlistsAndMatchLog1763900000000,
  Alerts1764000000000,
  StaffUsersAndAuditLog1764100000000,
  ViolationFeedPaging1764200000000,
  AuditChainKeys1764300000000,
  SignInAttemptsAndSessions1764310000000,
  CameraEventFingerprints1764400000000,
  VehicleListsAndHits1764500000000,
  PlateRead1764600000000,
  CameraDeviceChannel1764700000000,
  VehicleHitCard1764710000000,
  WatchlistAdmin1796431938433,
  AlertOutcomes1796431943912,
  LearningFromDecisions1796431969816,
  ApiKeyDigest1796433148531,
  CentreAnalyticsOff1796435228338,
  DigestOptInAndReplay1796436518597,
  LearningRetentionIndexes1796436669103,
  NegativeApproval1796436894019,
  BadgeIdentification1797004000000,
  CameraMinFaceSize1797005000000,
  CameraOfflineAlerts1797006000000,
  AlertAssignee1797007000000,
  AuditorCentres1797010000000,
  VehicleListArchive1797010000001,
  PersonInstructions1797011000000,
  CameraRegistryVersion1797013000000,
];
