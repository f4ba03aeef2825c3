import { Module } from '@nestjs/common';
import { PlateReadRepository } from './reads/plate-read.repository';
import { PlateReadStore } from './reads/plate-read-store';
import { VehicleRouteController } from './route/vehicle-route.controller';
import { VehicleRouteService } from './route/vehicle-route.service';

/** The plate-read table's intake and partition upkeep: for the process that takes reads in. */
@Module({
  providers: [PlateReadRepository, PlateReadStore],
  exports: [PlateReadStore],
})
export class PlateReadIntakeModule {}

/** GET /v1/vehicles/route: for the app that serves staff (the operations centre). */
@Module({
  controllers: [VehicleRouteController],
  providers: [PlateReadRepository, VehicleRouteService],
})
export class VehicleRouteModule {}
