import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { create } from '@bufbuild/protobuf';
import {
  NegativeEmbeddingSchema,
  SuppressionPolicySchema,
  WatchlistChangeKind,
  type WatchlistChange,
} from '../gen/kuzet/v1/watchlist_change_pb';
import type { WatchlistHit } from '../gen/kuzet/v1/watchlist_hit_pb';
import { sampleWatchlistChange, sampleWatchlistHit, unitEmbedding } from '../testing/samples';
import { DAY, MINUTE, NOW, pairs } from './test-helpers';
import {
  MAX_NEGATIVES_PER_PERSON,
  validateWatchlistChange,
  validateWatchlistHit,
} from './watchlist';

function change(mutate: (c: WatchlistChange) => void): WatchlistChange {
  const c = sampleWatchlistChange(NOW);
  mutate(c);
  return c;
}
function hit(mutate: (h: WatchlistHit) => void): WatchlistHit {
  const h = sampleWatchlistHit(NOW);
  mutate(h);
  return h;
}
const at = (ms: number) => timestampFromMs(NOW.getTime() + ms);
const photo = () => ({ ...sampleWatchlistChange(NOW).embeddings[0]! });

describe('validateWatchlistChange', () => {
  it('accepts the sample', () => {
    expect(validateWatchlistChange(sampleWatchlistChange(NOW), NOW)).toEqual([]);
  });

  describe('negatives and the suppression policy (issue 21)', () => {
    const negative = (i: number) =>
      create(NegativeEmbeddingSchema, {
        negativeId: `neg-${i}`,
        embedding: photo().embedding,
        modelId: photo().modelId,
      });
    const fields = (c: WatchlistChange) =>
      validateWatchlistChange(c, NOW).map((e) => `${e.field}:${e.rule}`);

    it('accepts negatives and a policy', () => {
      const c = change((c) => {
        c.negatives = [negative(1), negative(2)];
        c.suppression = create(SuppressionPolicySchema, {
          enabled: true,
          margin: 0.05,
          ceiling: 0.8,
        });
      });
      expect(fields(c)).toEqual([]);
    });

    it('refuses negatives on a removal, too many, bad ones and a policy out of range', () => {
      expect(
        fields(
          change((c) => {
            c.kind = WatchlistChangeKind.REMOVED;
            c.embeddings = [];
            c.negatives = [negative(1)];
          }),
        ),
      ).toEqual(['negatives:count']);
      expect(
        fields(
          change(
            (c) =>
              (c.negatives = Array.from({ length: MAX_NEGATIVES_PER_PERSON + 1 }, (_, i) =>
                negative(i),
              )),
          ),
        ),
      ).toEqual(['negatives:count']);
      expect(
        fields(change((c) => (c.negatives = [{ ...negative(1), embedding: [1, 2] }]))),
      ).toEqual(['negatives[0].embedding:length']);
      expect(
        fields(
          change(
            (c) =>
              (c.suppression = create(SuppressionPolicySchema, {
                enabled: true,
                margin: 2,
                ceiling: 0,
              })),
          ),
        ),
      ).toEqual(['suppression.margin:range', 'suppression.ceiling:range']);
    });
  });

  it.each<[string, () => WatchlistChange, string, string]>([
    ['missing person_id', () => change((c) => (c.personId = '')), 'person_id', 'required'],
    ['person_id with a slash', () => change((c) => (c.personId = 'a/b')), 'person_id', 'charset'],
    ['long person_id', () => change((c) => (c.personId = 'p'.repeat(129))), 'person_id', 'length'],
    [
      'unspecified kind',
      () => change((c) => (c.kind = WatchlistChangeKind.UNSPECIFIED)),
      'kind',
      'required',
    ],
    ['unknown kind', () => change((c) => (c.kind = 9 as WatchlistChangeKind)), 'kind', 'enum'],
    ['missing watchlist_id', () => change((c) => (c.watchlistId = '')), 'watchlist_id', 'required'],
    ['version 0', () => change((c) => (c.version = 0n)), 'version', 'range'],
    [
      'missing occurred_at',
      () => change((c) => (c.occurredAt = undefined)),
      'occurred_at',
      'required',
    ],
    [
      'occurred_at in the future',
      () => change((c) => (c.occurredAt = at(10 * MINUTE))),
      'occurred_at',
      'max_future_skew',
    ],
    [
      'occurred_at in 1990',
      () => change((c) => (c.occurredAt = timestampFromMs(Date.UTC(1990, 0, 1)))),
      'occurred_at',
      'min_time',
    ],
    [
      'expiry before the change',
      () => change((c) => (c.expiresAt = at(-DAY))),
      'expires_at',
      'time_order',
    ],
    ['zero threshold', () => change((c) => (c.threshold = 0)), 'threshold', 'range'],
    ['threshold above 1', () => change((c) => (c.threshold = 1.01)), 'threshold', 'range'],
    ['NaN threshold', () => change((c) => (c.threshold = NaN)), 'threshold', 'finite'],
    [
      'an enrolment without embeddings',
      () => change((c) => (c.embeddings = [])),
      'embeddings',
      'required',
    ],
    [
      '65 embeddings',
      () => change((c) => (c.embeddings = Array.from({ length: 65 }, photo))),
      'embeddings',
      'count',
    ],
    [
      'NaN in the second embedding',
      () => change((c) => (c.embeddings[1]!.embedding[0] = NaN)),
      'embeddings[1].embedding[0]',
      'finite',
    ],
    [
      'a short embedding',
      () => change((c) => (c.embeddings[0]!.embedding = [1, 0])),
      'embeddings[0].embedding',
      'length',
    ],
    [
      'a zero embedding',
      () => change((c) => c.embeddings[0]!.embedding.fill(0)),
      'embeddings[0].embedding',
      'norm',
    ],
    [
      'missing model_id',
      () => change((c) => (c.embeddings[0]!.modelId = '')),
      'embeddings[0].model_id',
      'required',
    ],
    [
      'photo_id with a space',
      () => change((c) => (c.embeddings[1]!.photoId = 'a b')),
      'embeddings[1].photo_id',
      'charset',
    ],
    [
      'negative quality',
      () => change((c) => (c.embeddings[0]!.quality = -0.1)),
      'embeddings[0].quality',
      'range',
    ],
    [
      'a removal that still carries embeddings',
      () => change((c) => (c.kind = WatchlistChangeKind.REMOVED)),
      'embeddings',
      'count',
    ],
  ])('rejects %s', (_name, make, field, rule) => {
    expect(pairs(validateWatchlistChange(make(), NOW))).toContain(`${field}: ${rule}`);
  });

  it.each<[string, () => WatchlistChange]>([
    ['an update', () => change((c) => (c.kind = WatchlistChangeKind.UPDATED))],
    [
      'a removal without embeddings or threshold',
      () =>
        change(
          (c) => ((c.kind = WatchlistChangeKind.REMOVED), (c.embeddings = []), (c.threshold = 0)),
        ),
    ],
    [
      'a five-year-old record replayed from the compacted topic',
      () => change((c) => ((c.occurredAt = at(-5 * 365 * DAY)), (c.expiresAt = undefined))),
    ],
    ['no expiry', () => change((c) => (c.expiresAt = undefined))],
    ['threshold 1', () => change((c) => (c.threshold = 1))],
    ['64 embeddings', () => change((c) => (c.embeddings = Array.from({ length: 64 }, photo)))],
    ['the largest version', () => change((c) => (c.version = (1n << 64n) - 1n))],
  ])('accepts %s', (_name, make) => {
    expect(pairs(validateWatchlistChange(make(), NOW))).toEqual([]);
  });

  it('checks embeddings against an overridden length', () => {
    const c = change((x) => x.embeddings.forEach((e) => (e.embedding = unitEmbedding(1, 128))));
    expect(validateWatchlistChange(c, NOW, { embeddingLength: 128 })).toEqual([]);
  });
});

describe('validateWatchlistHit', () => {
  it('accepts the sample', () => {
    expect(validateWatchlistHit(sampleWatchlistHit(NOW), NOW)).toEqual([]);
  });

  it.each<[string, () => WatchlistHit, string, string]>([
    ['hit_id not a UUID', () => hit((h) => (h.hitId = 'hit-1')), 'hit_id', 'uuid'],
    ['missing event_id', () => hit((h) => (h.eventId = '')), 'event_id', 'required'],
    ['missing camera_id', () => hit((h) => (h.cameraId = '')), 'camera_id', 'required'],
    ['person_id with a quote', () => hit((h) => (h.personId = '"x"')), 'person_id', 'charset'],
    [
      'long watchlist_id',
      () => hit((h) => (h.watchlistId = 'w'.repeat(200))),
      'watchlist_id',
      'length',
    ],
    ['NaN similarity', () => hit((h) => (h.similarity = NaN)), 'similarity', 'finite'],
    ['similarity above 1', () => hit((h) => (h.similarity = 1.5)), 'similarity', 'range'],
    ['zero threshold', () => hit((h) => (h.threshold = 0)), 'threshold', 'range'],
    [
      'similarity below threshold',
      () => hit((h) => (h.similarity = 0.59)),
      'similarity',
      'below_threshold',
    ],
    ['negative margin', () => hit((h) => (h.margin = -0.1)), 'margin', 'range'],
    ['missing model_id', () => hit((h) => (h.modelId = '')), 'model_id', 'required'],
    [
      'long face_crop_ref',
      () => hit((h) => (h.faceCropRef = 'r'.repeat(2049))),
      'face_crop_ref',
      'length',
    ],
    [
      'missing captured_at',
      () => hit((h) => (h.capturedAt = undefined)),
      'captured_at',
      'required',
    ],
    ['missing matched_at', () => hit((h) => (h.matchedAt = undefined)), 'matched_at', 'required'],
    [
      'matched before captured',
      () => hit((h) => (h.matchedAt = at(-3_000))),
      'matched_at',
      'time_order',
    ],
    [
      'matched in the future',
      () => hit((h) => (h.matchedAt = at(6 * MINUTE))),
      'matched_at',
      'max_future_skew',
    ],
    [
      'last seen before captured',
      () => hit((h) => (h.lastSeenAt = at(-3_000))),
      'last_seen_at',
      'time_order',
    ],
    ['sighting_count 0', () => hit((h) => (h.sightingCount = 0)), 'sighting_count', 'range'],
  ])('rejects %s', (_name, make, field, rule) => {
    expect(pairs(validateWatchlistHit(make(), NOW))).toContain(`${field}: ${rule}`);
  });

  it.each<[string, () => WatchlistHit]>([
    ['no margin (a single candidate)', () => hit((h) => (h.margin = undefined))],
    ['similarity equal to the threshold', () => hit((h) => (h.similarity = h.threshold))],
    ['float32 rounding just above 1', () => hit((h) => (h.similarity = Math.fround(1.00001)))],
    ['no face crop', () => hit((h) => (h.faceCropRef = ''))],
    [
      'a 60-day-old capture (hits have no age limit)',
      () => hit((h) => ((h.capturedAt = at(-60 * DAY)), (h.matchedAt = at(-60 * DAY + 500)))),
    ],
    ['repeat sightings', () => hit((h) => ((h.sightingCount = 4), (h.lastSeenAt = at(-500))))],
  ])('accepts %s', (_name, make) => {
    expect(pairs(validateWatchlistHit(make(), NOW))).toEqual([]);
  });
});
