import { create } from '@bufbuild/protobuf';
import { timestampFromMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import {
  AlarmKind,
  AlarmPriority,
  AnalyticsType,
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
import { CONTRACT_LIMITS, type ContractLimits } from '../validation/limits';
import { STUB_JPEG } from './samples';

// fast-check arbitraries of messages that satisfy every contract rule at `now` with the default
// limits: for property tests here and in the apps (import from '@kuzet/contracts/testing').

const L: ContractLimits = CONTRACT_LIMITS;

export const arbUuid = (): fc.Arbitrary<string> => fc.uuid();

export const arbId = (): fc.Arbitrary<string> =>
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,40}$/);

/** Timestamp in [now - maxAgeMs, now + skew], keeping a second of margin on both sides. */
export function arbTimestamp(
  now: Date,
  maxAgeMs: number = L.cameraEventMaxAgeMs,
): fc.Arbitrary<Timestamp> {
  const t = now.getTime();
  return fc
    .integer({
      min: Math.max(t - maxAgeMs + 1_000, L.minTimestampMs),
      max: t + L.maxFutureSkewMs - 1_000,
    })
    .map((ms) => timestampFromMs(ms));
}

/**
 * float32 values in [-1, 1] (so they survive encoding exactly), never all zero. Mostly derived
 * from a seed, because 512 independently shrinkable floats make every property slow; one in
 * five is a full float array that reaches fast-check's edge cases (-0, subnormals).
 */
export function arbEmbedding(length: number = L.embeddingLength): fc.Arbitrary<number[]> {
  const seeded = fc.integer().map((seed) => {
    let x = seed | 1;
    return Array.from({ length }, () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return Math.fround((x | 0) / 2 ** 31);
    });
  });
  const full = fc.array(fc.float({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true }), {
    minLength: length,
    maxLength: length,
  });
  return fc.oneof({ arbitrary: seeded, weight: 4 }, { arbitrary: full, weight: 1 }).map((v) => {
    const allZero: boolean = v.every((x) => x === 0);
    if (allZero) v[0] = 1;
    return v;
  });
}

/** Absolute URIs of evidence and frames (fc.webUrl() is much slower). */
export const arbUri = (): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom('https', 's3', 'rtsp', 'urn'),
      fc.array(fc.constantFrom(...'abcz09-._~/%'), { minLength: 1, maxLength: 40 }),
    )
    .map(([scheme, path]) => `${scheme}:${path.join('')}`);

const arbUnit = (): fc.Arbitrary<number> => fc.float({ min: 0, max: 1, noNaN: true });

export const arbJpeg = (): fc.Arbitrary<Uint8Array> =>
  fc
    .uint8Array({ maxLength: 64 })
    .map((tail) => Uint8Array.from([...STUB_JPEG.subarray(0, 4), ...tail]));

const arbText = (max: number): fc.Arbitrary<string> =>
  fc
    .string({ maxLength: Math.min(max, 80), unit: 'grapheme' })
    // eslint-disable-next-line no-control-regex -- free text the validators accept has none
    .filter((s) => !/[\u0000-\u001f\u007f]/.test(s));

export const arbFaceFrame = () =>
  fc.record(
    {
      jpeg: arbJpeg(),
      width: fc.integer({ min: 1, max: L.maxImageDimension }),
      height: fc.integer({ min: 1, max: L.maxImageDimension }),
      picture: fc.constantFrom(0, 1, 2),
    },
    { requiredKeys: ['jpeg'] },
  );

export const arbFaceObservation = () =>
  fc.record(
    {
      embedding: arbEmbedding(),
      modelId: arbId(),
      quality: arbUnit(),
      box: fc.record({
        x: fc.float({ min: 0, max: 4096, noNaN: true }),
        y: fc.float({ min: 0, max: 4096, noNaN: true }),
        width: fc.float({ min: 1, max: 4096, noNaN: true }),
        height: fc.float({ min: 1, max: 4096, noNaN: true }),
      }),
      frameRef: arbUri(),
      cropJpeg: arbJpeg(),
    },
    { requiredKeys: ['embedding', 'modelId', 'quality', 'box'] },
  );

const arbSpeed = () => fc.double({ min: 0, max: L.maxSpeedKmh, noNaN: true });

const arbPlate = (): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.constantFrom(...'0123456789ABCKMPTXАВЕКМ'),
      fc.array(fc.constantFrom(...'0123456789ABCKMPTXАВЕКМ -'), {
        maxLength: L.maxPlateLength - 1,
      }),
    )
    .map(([first, rest]) => first + rest.join(''));

export const arbViolation = () =>
  fc
    .tuple(
      fc.oneof(
        fc
          .tuple(arbSpeed(), arbSpeed())
          .filter(([a, b]) => a !== b)
          .map(([a, b]) => ({
            code: ViolationCode.SPEEDING,
            measuredSpeedKmh: Math.max(a, b),
            limitSpeedKmh: Math.min(a, b),
          })),
        fc
          .constantFrom(
            ViolationCode.RED_LIGHT,
            ViolationCode.NO_SEAT_BELT,
            ViolationCode.WRONG_WAY_DRIVING,
            ViolationCode.ILLEGAL_DUMPING,
          )
          .map((code) => ({ code })),
      ),
      fc.record(
        { plate: arbPlate(), evidenceRef: arbUri(), lane: fc.integer({ min: 1, max: L.maxLane }) },
        { requiredKeys: ['plate', 'evidenceRef'] },
      ),
    )
    .map(([base, rest]) => ({ ...base, ...rest }));

export const arbAlarm = () =>
  fc.record({
    kind: fc.constantFrom(AlarmKind.SOS_BUTTON, AlarmKind.TAMPER),
    message: arbText(L.maxAlarmMessageLength),
    priority: fc.constantFrom(
      ...(Object.values(AlarmPriority).filter((v) => typeof v === 'number') as AlarmPriority[]),
    ),
  });

export const arbAnalyticsDetection = () =>
  fc
    .record(
      {
        type: fc.constantFrom(
          ...(Object.values(AnalyticsType).filter((v) => typeof v === 'number') as AnalyticsType[]),
        ),
        typeText: fc.stringMatching(/^[A-Za-z][A-Za-z0-9 _-]{0,63}$/),
        confidence: arbUnit(),
        objectCount: fc.integer({ min: 0, max: 100_000 }),
        zone: arbText(128),
        snapshotJpeg: arbJpeg(),
      },
      { requiredKeys: ['type', 'confidence'] },
    )
    .map((d) =>
      d.type === AnalyticsType.UNSPECIFIED && d.typeText === undefined
        ? { ...d, typeText: 'unknown' }
        : d,
    );

/** Kazakh plates of both current formats and foreign ones, as cameras send them: sometimes
 * with spaces or dashes, sometimes with Cyrillic look-alike letters. */
export const arbPlateText = (): fc.Arbitrary<string> => {
  const digit = fc.constantFrom(...'0123456789');
  const letter = fc.constantFrom(...'ABCEHKMOPTXYDFGJLNRSUVWZАВЕКМНОРСТХУ');
  const sep = fc.constantFrom('', '', ' ', '-');
  const kz = fc
    .tuple(
      fc.array(digit, { minLength: 3, maxLength: 3 }),
      sep,
      fc.array(letter, { minLength: 2, maxLength: 3 }),
      sep,
      fc.array(digit, { minLength: 2, maxLength: 2 }),
    )
    .map(([d, s1, l, s2, r]) => `${d.join('')}${s1}${l.join('')}${s2}${r.join('')}`);
  return fc.oneof(kz, arbPlate());
};

export const arbPlateRead = () =>
  fc
    .tuple(
      arbPlateText(),
      fc.boolean(),
      fc.record(
        {
          confidence: arbUnit(),
          country: fc.constantFrom('KZ', 'RU', 'UZ', 'KG'),
          direction: fc.constantFrom(
            VehicleDirection.UNSPECIFIED,
            VehicleDirection.APPROACHING,
            VehicleDirection.RECEDING,
          ),
          lane: fc.integer({ min: 1, max: L.maxLane }),
          speedKmh: arbSpeed(),
          vehicleType: fc.constantFrom(VehicleType.UNSPECIFIED, VehicleType.CAR, VehicleType.TRUCK),
          vehicleColour: arbText(32).filter((s) => s.length <= 32),
          vehicleMake: arbText(64).filter((s) => s.length <= 64),
          plateCropJpeg: arbJpeg(),
          overviewJpeg: arbJpeg(),
          plateCropRef: arbUri(),
          overviewRef: arbUri(),
        },
        { requiredKeys: ['confidence'] },
      ),
      fc.array(arbUnit(), { minLength: 16, maxLength: 16 }),
    )
    .map(([plate, perCharacter, rest, confidences]) => ({
      plate,
      ...rest,
      characterConfidences: perCharacter ? confidences.slice(0, [...plate].length) : [],
    }));

export type CameraEventPayloadCase = NonNullable<CameraEvent['payload']['case']>;

export function arbCameraEvent(now: Date): fc.Arbitrary<CameraEvent> {
  const payload = fc.oneof(
    arbFaceFrame().map((value) => ({ case: 'faceFrame' as const, value })),
    arbFaceObservation().map((value) => ({ case: 'faceObservation' as const, value })),
    arbViolation().map((value) => ({ case: 'violation' as const, value })),
    arbAlarm().map((value) => ({ case: 'alarm' as const, value })),
    arbPlateRead().map((value) => ({ case: 'plateRead' as const, value })),
    arbAnalyticsDetection().map((value) => ({ case: 'analyticsDetection' as const, value })),
  );
  return fc
    .record(
      {
        eventId: arbUuid(),
        cameraId: arbId(),
        capturedAt: arbTimestamp(now),
        sourceId: arbId(),
        payload,
      },
      { requiredKeys: ['eventId', 'cameraId', 'capturedAt', 'payload'] },
    )
    .map((init) => create(CameraEventSchema, init));
}

export function arbWatchlistChange(now: Date): fc.Arbitrary<WatchlistChange> {
  const embedding = fc.record({
    photoId: arbId(),
    embedding: arbEmbedding(),
    modelId: arbId(),
    quality: arbUnit(),
  });
  return fc
    .record({
      personId: arbId(),
      kind: fc.constantFrom(
        WatchlistChangeKind.ENROLLED,
        WatchlistChangeKind.UPDATED,
        WatchlistChangeKind.REMOVED,
      ),
      watchlistId: arbId(),
      threshold: fc.float({ min: Math.fround(0.01), max: 1, noNaN: true }),
      embeddings: fc.array(embedding, { minLength: 1, maxLength: 3 }),
      version: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
      occurredAt: arbTimestamp(now, now.getTime() - L.minTimestampMs),
    })
    .map((init) =>
      create(WatchlistChangeSchema, {
        ...init,
        embeddings: init.kind === WatchlistChangeKind.REMOVED ? [] : init.embeddings,
      }),
    );
}

export function arbWatchlistHit(now: Date): fc.Arbitrary<WatchlistHit> {
  return fc
    .record({
      hitId: arbUuid(),
      eventId: arbUuid(),
      cameraId: arbId(),
      personId: arbId(),
      watchlistId: arbId(),
      threshold: fc.float({ min: Math.fround(0.01), max: 1, noNaN: true }),
      over: fc.float({ min: 0, max: 1, noNaN: true }),
      margin: fc.float({ min: 0, max: 2, noNaN: true }),
      modelId: arbId(),
      faceCropRef: arbUri(),
      capturedMs: fc.integer({ min: now.getTime() - 86_400_000, max: now.getTime() - 60_000 }),
      lagMs: fc.integer({ min: 0, max: 59_000 }),
      sightingCount: fc.integer({ min: 1, max: 1000 }),
    })
    .map(({ over, capturedMs, lagMs, ...rest }) =>
      create(WatchlistHitSchema, {
        ...rest,
        similarity: Math.min(1, Math.fround(rest.threshold + over * (1 - rest.threshold))),
        capturedAt: timestampFromMs(capturedMs),
        matchedAt: timestampFromMs(capturedMs + lagMs),
        lastSeenAt: rest.sightingCount > 1 ? timestampFromMs(capturedMs + lagMs) : undefined,
      }),
    );
}

/** One of `encodings` with a few bytes overwritten at random and up to `maxCut` cut off its end:
 * bytes close to a valid message, where a decoder's edge cases are. */
export function arbDamaged(
  encodings: readonly Uint8Array[],
  maxEdits: number,
  maxCut: number,
): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      fc.constantFrom(...encodings),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: maxEdits }),
      fc.nat(),
    )
    .map(([bytes, edits, cut]) => {
      const copy = Uint8Array.from(bytes);
      for (const [at, value] of edits) copy[at % copy.length] = value;
      return copy.subarray(0, copy.length - (cut % (maxCut + 1)));
    });
}
