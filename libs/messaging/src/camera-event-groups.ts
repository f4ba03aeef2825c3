/** The consumer groups of kuzet.camera-events.v1 (before KAFKA_GROUP_PREFIX). All of them
 * judge a record by the same rules (CameraEventGate in @kuzet/registry), so a record one of
 * them refuses, they all refuse: only DEAD_LETTER_WRITER dead-letters it, naming them all. */
export const CAMERA_EVENT_GROUPS = Object.freeze({
  matcher: 'kuzet-matcher',
  violations: 'kuzet-violations',
  alarms: 'kuzet-ops-center-alarms',
  plates: 'kuzet-matcher-plates',
});

export type CameraEventGroup = (typeof CAMERA_EVENT_GROUPS)[keyof typeof CAMERA_EVENT_GROUPS];

/** The group that sees every record (the matcher's) writes the dead letters of the shared rules. */
export const DEAD_LETTER_WRITER: CameraEventGroup = CAMERA_EVENT_GROUPS.matcher;

/** Why a camera-events record is dead-lettered: one word per HTTP rule, the same in every group.
 * The details (`kuzet-dlq-details`) carry the field errors, with the rules the HTTP ingest names. */
export const CAMERA_EVENT_REJECTIONS = Object.freeze({
  /** not a CameraEvent at all (rule `protobuf` or `max_bytes`; HTTP 400/413) */
  malformed: 'malformed_protobuf',
  /** breaks a contract rule (HTTP 400) */
  invalid: 'invalid_camera_event',
  /** the key is not the camera id (Kafka only) */
  keyMismatch: 'key_mismatch',
  /** the camera is not registered, or retired (rule `registered`; HTTP 422) */
  unregistered: 'unregistered_camera',
  /** the event_id was seen before with other content (rule `conflict`; HTTP 409) */
  conflict: 'conflicting_event_id',
  /** the matcher only: the JPEG cannot be decoded */
  undecodableImage: 'undecodable_image',
  /** the matcher only: an embedding of another model than the matcher's */
  incompatibleModel: 'incompatible_model',
});
