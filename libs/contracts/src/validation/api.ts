import { toJson } from '@bufbuild/protobuf';
import {
  CameraEventSchema,
  type CameraEvent,
  type CameraEventJson,
} from '../gen/kuzet/v1/camera_event_pb';
import {
  WatchlistChangeSchema,
  type WatchlistChange,
  type WatchlistChangeJson,
} from '../gen/kuzet/v1/watchlist_change_pb';
import { VehicleHitSchema, type VehicleHit } from '../gen/kuzet/v1/vehicle_hit_pb';
import {
  VehicleListChangeSchema,
  type VehicleListChange,
} from '../gen/kuzet/v1/vehicle_list_change_pb';
import {
  WatchlistHitSchema,
  type WatchlistHit,
  type WatchlistHitJson,
} from '../gen/kuzet/v1/watchlist_hit_pb';
import { validateCameraEvent } from './camera-event';
import { decodeWith, encodeWith, fromJsonStringWith, fromJsonWith } from './codec';
import type { Validated } from './errors';
import type { ContractLimits } from './limits';
import { validateVehicleHit, validateVehicleListChange } from './vehicle';
import { validateWatchlistChange, validateWatchlistHit } from './watchlist';

// One set of functions per message: decode (binary -> validated), encode, and proto3 JSON in
// and out. Decoders and JSON readers never throw; they return field errors instead.

type Limits = Partial<ContractLimits>;

export function decodeCameraEvent(
  bytes: Uint8Array,
  now: Date = new Date(),
  limits?: Limits,
): Validated<CameraEvent> {
  return decodeWith(CameraEventSchema, validateCameraEvent, bytes, now, limits);
}
export function encodeCameraEvent(msg: CameraEvent): Uint8Array {
  return encodeWith(CameraEventSchema, msg);
}

/** A record header kuzet's own producers set when the value is encodeCameraEvent's output, so
 * a consumer can fingerprint those bytes as they are instead of encoding the event again
 * (decoding and encoding such bytes gives the same bytes). A producer that sets it on other
 * bytes only makes its own retries of that event look like new content. */
export const CANONICAL_ENCODING_HEADER = 'kuzet-encoding';
export const CANONICAL_ENCODING = 'canonical';
export const CANONICAL_ENCODING_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  [CANONICAL_ENCODING_HEADER]: CANONICAL_ENCODING,
});
export function cameraEventFromJson(
  json: unknown,
  now: Date = new Date(),
  limits?: Limits,
): Validated<CameraEvent> {
  return fromJsonWith(CameraEventSchema, validateCameraEvent, json, now, limits);
}
export function cameraEventFromJsonString(
  text: string,
  now: Date = new Date(),
  limits?: Limits,
): Validated<CameraEvent> {
  return fromJsonStringWith(CameraEventSchema, validateCameraEvent, text, now, limits);
}
export function cameraEventToJson(msg: CameraEvent): CameraEventJson {
  return toJson(CameraEventSchema, msg);
}

export function decodeWatchlistChange(
  bytes: Uint8Array,
  now: Date = new Date(),
  limits?: Limits,
): Validated<WatchlistChange> {
  return decodeWith(WatchlistChangeSchema, validateWatchlistChange, bytes, now, limits);
}
export function encodeWatchlistChange(msg: WatchlistChange): Uint8Array {
  return encodeWith(WatchlistChangeSchema, msg);
}
export function watchlistChangeFromJson(
  json: unknown,
  now: Date = new Date(),
  limits?: Limits,
): Validated<WatchlistChange> {
  return fromJsonWith(WatchlistChangeSchema, validateWatchlistChange, json, now, limits);
}
export function watchlistChangeFromJsonString(
  text: string,
  now: Date = new Date(),
  limits?: Limits,
): Validated<WatchlistChange> {
  return fromJsonStringWith(WatchlistChangeSchema, validateWatchlistChange, text, now, limits);
}
export function watchlistChangeToJson(msg: WatchlistChange): WatchlistChangeJson {
  return toJson(WatchlistChangeSchema, msg);
}

export function decodeWatchlistHit(
  bytes: Uint8Array,
  now: Date = new Date(),
  limits?: Limits,
): Validated<WatchlistHit> {
  return decodeWith(WatchlistHitSchema, validateWatchlistHit, bytes, now, limits);
}
export function encodeWatchlistHit(msg: WatchlistHit): Uint8Array {
  return encodeWith(WatchlistHitSchema, msg);
}
export function watchlistHitFromJson(
  json: unknown,
  now: Date = new Date(),
  limits?: Limits,
): Validated<WatchlistHit> {
  return fromJsonWith(WatchlistHitSchema, validateWatchlistHit, json, now, limits);
}
export function watchlistHitFromJsonString(
  text: string,
  now: Date = new Date(),
  limits?: Limits,
): Validated<WatchlistHit> {
  return fromJsonStringWith(WatchlistHitSchema, validateWatchlistHit, text, now, limits);
}
export function watchlistHitToJson(msg: WatchlistHit): WatchlistHitJson {
  return toJson(WatchlistHitSchema, msg);
}

export function decodeVehicleListChange(
  bytes: Uint8Array,
  now: Date = new Date(),
  limits?: Limits,
): Validated<VehicleListChange> {
  return decodeWith(VehicleListChangeSchema, validateVehicleListChange, bytes, now, limits);
}
export function encodeVehicleListChange(msg: VehicleListChange): Uint8Array {
  return encodeWith(VehicleListChangeSchema, msg);
}

export function decodeVehicleHit(
  bytes: Uint8Array,
  now: Date = new Date(),
  limits?: Limits,
): Validated<VehicleHit> {
  return decodeWith(VehicleHitSchema, validateVehicleHit, bytes, now, limits);
}
export function encodeVehicleHit(msg: VehicleHit): Uint8Array {
  return encodeWith(VehicleHitSchema, msg);
}
