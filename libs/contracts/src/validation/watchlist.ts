import {
  WatchlistChangeKind,
  WatchlistChangeKindSchema,
  type WatchlistChange,
} from '../gen/kuzet/v1/watchlist_change_pb';
import type { WatchlistHit } from '../gen/kuzet/v1/watchlist_hit_pb';
import { makeCtx } from './context';
import type { FieldError } from './errors';
import { CONTRACT_LIMITS, type ContractLimits } from './limits';
import {
  checkEmbedding,
  checkEnum,
  checkId,
  checkModelId,
  checkNotBefore,
  checkRange,
  checkRef,
  checkTime,
  checkUuid,
} from './rules';

/** Most negative examples ("not this person") one WatchlistChange carries. */
export const MAX_NEGATIVES_PER_PERSON = 256;

// float32 cosine similarities of near-identical vectors can round just past +-1.
const SIMILARITY_SLACK = 1e-4;

/** Field-level problems of a WatchlistChange; empty when it is valid. */
export function validateWatchlistChange(
  msg: WatchlistChange,
  now: Date = new Date(),
  limits: Partial<ContractLimits> = CONTRACT_LIMITS,
): FieldError[] {
  const ctx = makeCtx(now, limits);
  checkId(ctx, 'person_id', msg.personId);
  checkEnum(ctx, 'kind', msg.kind, WatchlistChangeKindSchema);
  checkId(ctx, 'watchlist_id', msg.watchlistId);
  if (msg.version < 1n) ctx.sink.add('version', 'range', `must be at least 1, got ${msg.version}`);
  // No age limit: the compacted topic replays records of any age.
  const occurred = checkTime(ctx, 'occurred_at', msg.occurredAt, { required: true });
  const expires = checkTime(ctx, 'expires_at', msg.expiresAt, {
    required: false,
    allowFuture: true,
  });
  checkNotBefore(ctx, 'expires_at', expires, 'occurred_at', occurred);

  if (msg.kind === WatchlistChangeKind.REMOVED) {
    if (msg.embeddings.length > 0) {
      ctx.sink.add(
        'embeddings',
        'count',
        'must be empty for a removal: no biometric data is kept for removed persons',
      );
    }
    if (msg.negatives.length > 0) {
      ctx.sink.add(
        'negatives',
        'count',
        'must be empty for a removal: no biometric data is kept for removed persons',
      );
    }
    return ctx.sink.errors;
  }
  checkRange(ctx, 'threshold', msg.threshold, 0, 1, true);
  const max = ctx.limits.maxEmbeddingsPerPerson;
  if (msg.embeddings.length === 0)
    ctx.sink.add('embeddings', 'required', 'at least one embedding is required');
  else if (msg.embeddings.length > max) {
    ctx.sink.add(
      'embeddings',
      'count',
      `must have at most ${max} embeddings, got ${msg.embeddings.length}`,
    );
  }
  msg.embeddings.forEach((e, i) => {
    const at = `embeddings[${i}]`;
    checkId(ctx, `${at}.photo_id`, e.photoId);
    checkEmbedding(ctx, `${at}.embedding`, e.embedding);
    checkModelId(ctx, `${at}.model_id`, e.modelId);
    checkRange(ctx, `${at}.quality`, e.quality, 0, 1);
  });
  if (msg.negatives.length > MAX_NEGATIVES_PER_PERSON) {
    ctx.sink.add(
      'negatives',
      'count',
      `must have at most ${MAX_NEGATIVES_PER_PERSON} negatives, got ${msg.negatives.length}`,
    );
  }
  msg.negatives.forEach((n, i) => {
    const at = `negatives[${i}]`;
    checkId(ctx, `${at}.negative_id`, n.negativeId);
    checkEmbedding(ctx, `${at}.embedding`, n.embedding);
    checkModelId(ctx, `${at}.model_id`, n.modelId);
    checkTime(ctx, `${at}.expires_at`, n.expiresAt, { required: false, allowFuture: true });
  });
  if (msg.suppression) {
    checkRange(ctx, 'suppression.margin', msg.suppression.margin, 0, 1);
    checkRange(ctx, 'suppression.ceiling', msg.suppression.ceiling, 0, 1, true);
  }
  return ctx.sink.errors;
}

/** Field-level problems of a WatchlistHit; empty when it is valid. */
export function validateWatchlistHit(
  msg: WatchlistHit,
  now: Date = new Date(),
  limits: Partial<ContractLimits> = CONTRACT_LIMITS,
): FieldError[] {
  const ctx = makeCtx(now, limits);
  checkUuid(ctx, 'hit_id', msg.hitId);
  checkUuid(ctx, 'event_id', msg.eventId);
  checkId(ctx, 'camera_id', msg.cameraId);
  checkId(ctx, 'person_id', msg.personId);
  checkId(ctx, 'watchlist_id', msg.watchlistId);
  const simOk = checkRange(
    ctx,
    'similarity',
    msg.similarity,
    -1 - SIMILARITY_SLACK,
    1 + SIMILARITY_SLACK,
  );
  const thrOk = checkRange(ctx, 'threshold', msg.threshold, 0, 1, true);
  if (simOk && thrOk && msg.similarity < msg.threshold) {
    ctx.sink.add(
      'similarity',
      'below_threshold',
      `${msg.similarity} is below the threshold ${msg.threshold}: not a hit`,
    );
  }
  if (msg.margin !== undefined) checkRange(ctx, 'margin', msg.margin, 0, 2 + SIMILARITY_SLACK);
  checkModelId(ctx, 'model_id', msg.modelId);
  checkRef(ctx, 'face_crop_ref', msg.faceCropRef);
  const captured = checkTime(ctx, 'captured_at', msg.capturedAt, { required: true });
  const matched = checkTime(ctx, 'matched_at', msg.matchedAt, { required: true });
  checkNotBefore(ctx, 'matched_at', matched, 'captured_at', captured);
  const lastSeen = checkTime(ctx, 'last_seen_at', msg.lastSeenAt, { required: false });
  checkNotBefore(ctx, 'last_seen_at', lastSeen, 'captured_at', captured);
  if (msg.sightingCount < 1)
    ctx.sink.add('sighting_count', 'range', `must be at least 1, got ${msg.sightingCount}`);
  if (msg.officerId !== '') checkId(ctx, 'officer_id', msg.officerId);
  return ctx.sink.errors;
}
