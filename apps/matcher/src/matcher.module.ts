import { RegistryModule } from '@kuzet/registry';
import { Module } from '@nestjs/common';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { FaceModule } from '@kuzet/face';
import { WatchlistAdminModule, WatchlistIndex } from '@kuzet/watchlist';
import { CameraEventConsumer } from './camera-events/camera-event.consumer';
import {
  DiskEvidenceStore,
  EVIDENCE_STORE,
  PostgresEvidenceStore,
} from './evidence/evidence-store';
import { HitPublisher } from './hits/hit.publisher';
import { HitRepository } from './hits/hit.repository';
import { MatchingService } from './matching/matching.service';
import { WatchlistIndexSync } from './watchlist-sync/watchlist-index.sync';

/** Camera events -> face pipeline -> watchlist search -> hits. Also serves watchlist
 * administration, which needs the same face engine for enrolment. */
@Module({
  imports: [FaceModule.forRoot(), WatchlistAdminModule, RegistryModule],
  providers: [
    { provide: WatchlistIndex, useFactory: () => new WatchlistIndex() },
    PostgresEvidenceStore,
    DiskEvidenceStore,
    {
      provide: EVIDENCE_STORE,
      inject: [KUZET_CONFIG, PostgresEvidenceStore, DiskEvidenceStore],
      useFactory: (config: KuzetConfig, pg: PostgresEvidenceStore, disk: DiskEvidenceStore) =>
        config.EVIDENCE_STORE === 'disk' ? disk : pg,
    },
    HitRepository,
    HitPublisher,
    MatchingService,
    WatchlistIndexSync,
    CameraEventConsumer,
  ],
  exports: [EVIDENCE_STORE],
})
export class MatcherModule {}
