import { RegistryModule } from '@kuzet/registry';
import { Module } from '@nestjs/common';
import { FaceModule } from '@kuzet/face';
import { WatchlistAdminModule, WatchlistIndex } from '@kuzet/watchlist';
import { CameraEventConsumer } from './camera-events/camera-event.consumer';
import { EvidenceModule } from '@kuzet/evidence';
import { HitPublisher } from './hits/hit.publisher';
import { HitRepository } from './hits/hit.repository';
import { SuppressionRepository } from './hits/suppression.repository';
import { MatchingService } from './matching/matching.service';
import { VehicleMatchingModule } from './vehicles/vehicle-matching.module';
import { WatchlistIndexSync } from './watchlist-sync/watchlist-index.sync';

/** Camera events -> face pipeline -> watchlist search -> hits. Also serves watchlist
 * administration, which needs the same face engine for enrolment. */
@Module({
  imports: [
    FaceModule.forRoot(),
    WatchlistAdminModule,
    VehicleMatchingModule,
    EvidenceModule,
    RegistryModule,
  ],
  providers: [
    { provide: WatchlistIndex, useFactory: () => new WatchlistIndex() },
    HitRepository,
    SuppressionRepository,
    HitPublisher,
    MatchingService,
    WatchlistIndexSync,
    CameraEventConsumer,
  ],
})
export class MatcherModule {}
