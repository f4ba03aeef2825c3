// Generated from proto/kuzet/v1 by `npm run proto:gen`: schemas, message types, enums, JSON types.
export * from './gen/kuzet/v1/camera_event_pb';
export * from './gen/kuzet/v1/camera_event_batch_pb';
export * from './gen/kuzet/v1/plate_read_pb';
export * from './gen/kuzet/v1/vehicle_hit_pb';
export * from './gen/kuzet/v1/vehicle_list_change_pb';
export * from './gen/kuzet/v1/watchlist_change_pb';
export * from './gen/kuzet/v1/watchlist_hit_pb';

export * from './validation';
export * from './derived-id';

// What callers need to build messages without importing protobuf-es themselves.
export { create, type MessageInitShape } from '@bufbuild/protobuf';
export {
  timestampDate,
  timestampFromDate,
  timestampFromMs,
  timestampMs,
  type Timestamp,
} from '@bufbuild/protobuf/wkt';
