import { Module } from '@nestjs/common';
import { VehicleListChangePublisher } from './lists/vehicle-list-change.publisher';
import { VehicleListController } from './lists/vehicle-list.controller';
import { VehicleListRepository } from './lists/vehicle-list.repository';
import { VehicleListService } from './lists/vehicle-list.service';

/** Vehicle list administration over REST, publishing to kuzet.vehicle-list-changes.v1. */
@Module({
  controllers: [VehicleListController],
  providers: [VehicleListRepository, VehicleListService, VehicleListChangePublisher],
  exports: [VehicleListService, VehicleListRepository],
})
export class VehicleListsModule {}
