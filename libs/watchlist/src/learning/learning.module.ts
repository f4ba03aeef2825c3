import { Module } from '@nestjs/common';
import { WatchlistChangePublisher } from '../changes/watchlist-change.publisher';
import { LearningController, LearningListsController } from './learning.controller';
import { LearningRepository } from './learning.repository';
import { LearningService } from './learning.service';
import { ListThresholds } from './list-thresholds';

/** Learning from the operators' decisions (negatives, suppression policy, thresholds from
 * evidence) over REST, and the hook the alert decisions call. Needs no face engine. */
@Module({
  controllers: [LearningController, LearningListsController],
  providers: [LearningRepository, LearningService, ListThresholds, WatchlistChangePublisher],
  exports: [LearningService],
})
export class WatchlistLearningModule {}
