import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { RegistryModule } from '@kuzet/registry';
import { AuthModule } from '@kuzet/auth';
import { Module } from '@nestjs/common';
import { FaceEngineConfigOverrides, FaceModule } from '@kuzet/face';
import { WatchlistAdminModule, WatchlistIndex, WatchlistLearningModule } from '@kuzet/watchlist';
import { BadgeHttpSetup } from './badges/badge-http.setup';
import { BadgeIdentifyController } from './badges/badge-identify.controller';
import { BadgeIdentifyService } from './badges/badge-identify.service';
import { BadgeRateLimiter } from './badges/badge-rate-limiter';
import { CameraEventConsumer } from './camera-events/camera-event.consumer';
import { EvidenceModule } from '@kuzet/evidence';
import { HitPublisher } from './hits/hit.publisher';
import { HitRepository } from './hits/hit.repository';
import { SuppressionRepository } from './hits/suppression.repository';
import { CameraFaceSettings } from './matching/camera-face-settings';
import { MatchingService } from './matching/matching.service';
import { VehicleMatchingModule } from './vehicles/vehicle-matching.module';
import { WatchlistIndexSync } from './watchlist-sync/watchlist-index.sync';

/** FACE_WORKERS, when set, sizes the face engine's worker pool (else one per CPU). */
export const faceEngineOverrides = (config: KuzetConfig): FaceEngineConfigOverrides =>
  config.FACE_WORKERS === undefined ? {} : { pool: { workers: config.FACE_WORKERS } };

/** Camera events -> face pipeline -> watchlist search -> hits. Also serves watchlist
 * administration, which needs the same face engine for enrolment, and smart badges'
 * identify requests, answered from the same index. */
@Module({
  imports: [
    FaceModule.forRootAsync({
      inject: [KUZET_CONFIG],
      useFactory: faceEngineOverrides,
    }),
    WatchlistAdminModule,
    // the learning routes live under /v1/watchlists/{id}/…, which the ingress sends here
    WatchlistLearningModule,
    VehicleMatchingModule,
    EvidenceModule,
    RegistryModule,
    AuthModule,
  ],
  controllers: [BadgeIdentifyController],
  providers: [
    { provide: WatchlistIndex, useFactory: () => new WatchlistIndex() },
    HitRepository,
    SuppressionRepository,
    HitPublisher,
    CameraFaceSettings,
    MatchingService,
    WatchlistIndexSync,
    CameraEventConsumer,
    BadgeIdentifyService,
    BadgeRateLimiter,
    BadgeHttpSetup,
  ],
})
export class MatcherModule {}
