const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const MIB = 1024 * 1024;

/** Every limit the validators apply. Override per call with a Partial<ContractLimits>. */
export interface ContractLimits {
  /** How far in the future any timestamp may be (clock skew between cameras and kuzet). */
  readonly maxFutureSkewMs: number;
  /** How old CameraEvent.captured_at may be. Other messages have no age limit: topics replay them. */
  readonly cameraEventMaxAgeMs: number;
  /** Earliest acceptable timestamp of any message (epoch ms); older ones are clock errors. */
  readonly minTimestampMs: number;
  /** Exact number of values in every embedding. */
  readonly embeddingLength: number;
  /** Largest FaceFrame.jpeg. */
  readonly maxJpegBytes: number;
  /** Largest FaceObservation.crop_jpeg. */
  readonly maxCropJpegBytes: number;
  /** Largest FaceFrame width or height in pixels. */
  readonly maxImageDimension: number;
  /** Largest encoded message accepted by decodeX; keep topic max.message.bytes at least this. */
  readonly maxMessageBytes: number;
  /** Longest id (camera, person, watchlist, model, operator, photo, source). */
  readonly maxIdLength: number;
  /** Longest reference (evidence_ref, frame_ref, face_crop_ref). */
  readonly maxRefLength: number;
  readonly maxPlateLength: number;
  readonly maxAlarmMessageLength: number;
  readonly maxReasonLength: number;
  /** Upper bound of measured and limit speeds, km/h. */
  readonly maxSpeedKmh: number;
  readonly maxLane: number;
  /** Most embeddings in one WatchlistChange. */
  readonly maxEmbeddingsPerPerson: number;
}

export const CONTRACT_LIMITS: Readonly<ContractLimits> = Object.freeze({
  maxFutureSkewMs: 5 * MINUTE_MS,
  cameraEventMaxAgeMs: 30 * DAY_MS,
  minTimestampMs: Date.UTC(2000, 0, 1),
  embeddingLength: 512,
  maxJpegBytes: 4 * MIB,
  maxCropJpegBytes: MIB / 2,
  maxImageDimension: 16_384,
  // The largest frame plus room for the other fields.
  maxMessageBytes: 5 * MIB,
  maxIdLength: 128,
  maxRefLength: 2048,
  maxPlateLength: 16,
  maxAlarmMessageLength: 1024,
  maxReasonLength: 2000,
  maxSpeedKmh: 500,
  maxLane: 64,
  maxEmbeddingsPerPerson: 64,
});

const complete = new WeakSet<object>([CONTRACT_LIMITS]);

/** CONTRACT_LIMITS with some values replaced, frozen. Build it once and pass it to every call. */
export function contractLimits(overrides: Partial<ContractLimits> = {}): Readonly<ContractLimits> {
  const limits = Object.freeze({ ...CONTRACT_LIMITS, ...overrides });
  complete.add(limits);
  return limits;
}

export function resolveLimits(
  limits: Partial<ContractLimits> | undefined,
): Readonly<ContractLimits> {
  // No copy per message on the hot path for the defaults or a contractLimits() result.
  if (limits === undefined) return CONTRACT_LIMITS;
  return complete.has(limits) ? (limits as ContractLimits) : contractLimits(limits);
}
