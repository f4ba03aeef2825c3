import { EvidenceModule } from '@kuzet/evidence';
import { RegistryModule } from '@kuzet/registry';
import { Module } from '@nestjs/common';
import { PlateIndex, PlateReadIntakeModule, VehicleListsModule } from '@kuzet/vehicles';
import { PlateIndexSync } from './plate-index.sync';
import { PlateReadConsumer } from './plate-read.consumer';
import { VehicleHitRepository } from './vehicle-hit.repository';

/** Plate reads -> plate_read table and vehicle lists -> vehicle hits; also serves vehicle list administration. */
@Module({
  imports: [VehicleListsModule, PlateReadIntakeModule, RegistryModule, EvidenceModule],
  providers: [
    { provide: PlateIndex, useFactory: () => new PlateIndex() },
    PlateIndexSync,
    VehicleHitRepository,
    PlateReadConsumer,
  ],
  exports: [PlateIndex],
})
export class VehicleMatchingModule {}
