export * from './registry.module';
export * from './camera-registry.service';
export * from './region-file.loader';
export * from './registry.dto';
export * from './registry.schemas';
export type { CameraLocation } from './camera-registry.repository';
export * from './camera-event-gate';
export * from './district-outlines';
export * from './centre-scope';
