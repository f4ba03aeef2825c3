import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  AlarmKind,
  AlarmPriority,
  CameraEventSchema,
  ViolationCode,
  type CameraEvent,
} from '../gen/kuzet/v1/camera_event_pb';
import { VehicleDirection, VehicleType } from '../gen/kuzet/v1/plate_read_pb';
import {
  WatchlistChangeKind,
  WatchlistChangeSchema,
  type WatchlistChange,
} from '../gen/kuzet/v1/watchlist_change_pb';
import { WatchlistHitSchema, type WatchlistHit } from '../gen/kuzet/v1/watchlist_hit_pb';
import { CONTRACT_LIMITS } from '../validation/limits';

// Valid sample messages for tests across the monorepo (import from '@kuzet/contracts/testing').
// Each takes the validation clock so its timestamps are recent relative to it.

/** JPEG magic, a JFIF APP0 header and an end-of-image marker: passes the contract, not a decodable image. */
// prettier-ignore
export const STUB_JPEG = Uint8Array.of(
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
  0xff, 0xd9,
);

// float fields are 32-bit on the wire: samples hold float32 values so they round-trip exactly.
const f32 = Math.fround;

/** A unit vector of the contract's embedding length, pointing along axis `axis`. */
export function unitEmbedding(axis = 0, length = CONTRACT_LIMITS.embeddingLength): number[] {
  const v = new Array<number>(length).fill(0);
  v[axis % length] = 1;
  return v;
}

export function sampleFaceFrameEvent(now: Date = new Date()): CameraEvent {
  return create(CameraEventSchema, {
    eventId: '0b8f6f4e-3c1a-4d2b-9e7f-1a2b3c4d5e6f',
    cameraId: 'aktau-cam-0001',
    capturedAt: timestampFromMs(now.getTime() - 1_000),
    sourceId: 'integrator-1',
    payload: { case: 'faceFrame', value: { jpeg: STUB_JPEG, width: 1920, height: 1080 } },
  });
}

export function sampleFaceObservationEvent(now: Date = new Date()): CameraEvent {
  return create(CameraEventSchema, {
    eventId: '1c9a7e5f-4d2b-4e3c-8f81-2b3c4d5e6f70',
    cameraId: 'aktau-cam-0002',
    capturedAt: timestampFromMs(now.getTime() - 2_000),
    payload: {
      case: 'faceObservation',
      value: {
        embedding: unitEmbedding(7),
        modelId: 'fr_feature@1',
        quality: f32(0.87),
        box: { x: 100, y: 80, width: 112, height: 140 },
        frameRef: 'https://edge.example/frames/123',
        cropJpeg: STUB_JPEG,
      },
    },
  });
}

export function sampleViolationEvent(now: Date = new Date()): CameraEvent {
  return create(CameraEventSchema, {
    eventId: '2d0b8f60-5e3c-4f4d-a092-3c4d5e6f7081',
    cameraId: 'zhanaozen-cam-0042',
    capturedAt: timestampFromMs(now.getTime() - 3_000),
    payload: {
      case: 'violation',
      value: {
        code: ViolationCode.SPEEDING,
        plate: '123ABC12',
        measuredSpeedKmh: 92.5,
        limitSpeedKmh: 60,
        evidenceRef: 's3://evidence/2024/clip-1.mp4',
        lane: 2,
      },
    },
  });
}

export function sampleAlarmEvent(now: Date = new Date()): CameraEvent {
  return create(CameraEventSchema, {
    eventId: '3e1c9071-6f4d-4a5e-b1a3-4d5e6f708192',
    cameraId: 'beineu-sos-0003',
    capturedAt: timestampFromMs(now.getTime() - 500),
    payload: {
      case: 'alarm',
      value: {
        kind: AlarmKind.SOS_BUTTON,
        message: 'SOS button pressed',
        priority: AlarmPriority.CRITICAL,
      },
    },
  });
}

export function samplePlateReadEvent(now: Date = new Date()): CameraEvent {
  return create(CameraEventSchema, {
    eventId: '6b4fc3a4-9c70-4d81-a4d6-708192a3b4c5',
    cameraId: 'aktau-cam-0003',
    capturedAt: timestampFromMs(now.getTime() - 1_500),
    payload: {
      case: 'plateRead',
      value: {
        plate: '123 ABC 12',
        confidence: f32(0.93),
        characterConfidences: [0.99, 0.98, 0.97, 1, 0.95, 0.9, 0.96, 1, 0.99, 0.98].map(f32),
        country: 'KZ',
        direction: VehicleDirection.APPROACHING,
        lane: 1,
        speedKmh: 64,
        vehicleType: VehicleType.CAR,
        vehicleColour: 'white',
        vehicleMake: 'Toyota Camry',
        plateCropJpeg: STUB_JPEG,
        overviewRef: 'https://anpr.example/overview/7/123',
      },
    },
  });
}

export function sampleWatchlistChange(now: Date = new Date()): WatchlistChange {
  return create(WatchlistChangeSchema, {
    personId: 'person-0001',
    kind: WatchlistChangeKind.ENROLLED,
    watchlistId: 'wanted',
    threshold: f32(0.6),
    embeddings: [
      {
        photoId: 'photo-1',
        embedding: unitEmbedding(3),
        modelId: 'fr_feature@1',
        quality: f32(0.9),
      },
      { photoId: 'photo-2', embedding: unitEmbedding(4), modelId: 'fr_feature@1', quality: 0.75 },
    ],
    version: 1n,
    occurredAt: timestampFromMs(now.getTime() - 10_000),
    expiresAt: timestampFromMs(now.getTime() + 90 * 24 * 3_600_000),
  });
}

export function sampleWatchlistHit(now: Date = new Date()): WatchlistHit {
  return create(WatchlistHitSchema, {
    hitId: '4f2da182-7a5e-4b6f-82b4-5e6f708192a3',
    eventId: '1c9a7e5f-4d2b-4e3c-8f81-2b3c4d5e6f70',
    cameraId: 'aktau-cam-0002',
    personId: 'person-0001',
    watchlistId: 'wanted',
    similarity: f32(0.72),
    threshold: f32(0.6),
    margin: f32(0.31),
    modelId: 'fr_feature@1',
    faceCropRef: 'pg:hit-evidence/4f2da182',
    capturedAt: timestampFromMs(now.getTime() - 2_000),
    matchedAt: timestampFromMs(now.getTime() - 1_900),
    sightingCount: 1,
  });
}
