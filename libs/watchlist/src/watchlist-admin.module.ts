import { Module } from '@nestjs/common';
import { EvidenceModule } from '@kuzet/evidence';
import { WatchlistController } from './admin/watchlist.controller';
import { WatchlistRepository } from './admin/watchlist.repository';
import { WatchlistService } from './admin/watchlist.service';
import { WatchlistChangePublisher } from './changes/watchlist-change.publisher';
import { FaceEnrolment } from './enrolment/face-enrolment';
import { LearningRepository } from './learning/learning.repository';
import { ListThresholds } from './learning/list-thresholds';

/** Watchlist administration over REST. Needs a FaceEngine provider (FaceModule) in the app. */
@Module({
  imports: [EvidenceModule],
  controllers: [WatchlistController],
  providers: [
    WatchlistRepository,
    WatchlistService,
    WatchlistChangePublisher,
    FaceEnrolment,
    LearningRepository,
    ListThresholds,
  ],
  exports: [WatchlistService, WatchlistRepository, LearningRepository],
})
export class WatchlistAdminModule {}
