import { Module } from '@nestjs/common';
import { CameraEventGate } from './camera-event-gate';
import { CameraRegistryRepository } from './camera-registry.repository';
import { CameraRegistryService } from './camera-registry.service';
import { RegionFileLoader } from './region-file.loader';

/** The camera registry: camera -> district -> operations centre. */
@Module({
  providers: [CameraRegistryRepository, CameraRegistryService, RegionFileLoader, CameraEventGate],
  exports: [CameraRegistryService, RegionFileLoader, CameraEventGate],
})
export class RegistryModule {}
