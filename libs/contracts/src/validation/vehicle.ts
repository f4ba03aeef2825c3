import {
  VehicleDirectionSchema,
  VehicleTypeSchema,
  type PlateRead,
} from '../gen/kuzet/v1/plate_read_pb';
import {
  VehicleMatchKind,
  VehicleMatchKindSchema,
  type VehicleHit,
} from '../gen/kuzet/v1/vehicle_hit_pb';
import {
  VehicleListChangeKind,
  VehicleListChangeKindSchema,
  VehicleMatchPolicySchema,
  type VehicleListChange,
} from '../gen/kuzet/v1/vehicle_list_change_pb';
import { makeCtx } from './context';
import type { FieldError } from './errors';
import { CONTRACT_LIMITS, type ContractLimits } from './limits';
import {
  checkEnum,
  checkId,
  checkJpeg,
  checkNotBefore,
  checkPlate,
  checkRange,
  checkRef,
  checkText,
  checkTime,
  checkUuid,
  type Ctx,
} from './rules';

const COUNTRY = /^[A-Z]{2}$/;
const NORMALISED_PLATE = /^[A-Z0-9]+$/;
const CATEGORY = /^[a-z0-9_-]+$/;
const MAX_COLOUR_LENGTH = 32;
const MAX_MAKE_LENGTH = 64;
const MAX_CATEGORY_LENGTH = 32;
const MAX_DESCRIPTION_LENGTH = 1024;
const MAX_PRIORITY = 100;

/** Cyrillic capitals (and their small letters) that cameras report in place of Latin ones. */
export const CYRILLIC_LOOKALIKES: Readonly<Record<string, string>> = Object.freeze({
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
});
const LOOKALIKE_LETTERS = new Set(
  Object.keys(CYRILLIC_LOOKALIKES).flatMap((c) => [c, c.toLowerCase()]),
);

// Scripts of licence plates worldwide; a letter of any other script counts as its own.
const SCRIPTS: readonly [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Han', /\p{Script=Han}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Thai', /\p{Script=Thai}/u],
];

/**
 * The one script of a plate's letters, or undefined when they mix scripts. Cyrillic look-alikes
 * go with Latin or with Cyrillic, whichever the other letters are; digits have no script.
 */
export function plateScript(plate: string): string | undefined | null {
  let script: string | null = null;
  let lookalikes = false;
  for (const char of plate) {
    if (!/\p{L}/u.test(char)) continue;
    if (LOOKALIKE_LETTERS.has(char)) {
      lookalikes = true;
      continue;
    }
    const found = SCRIPTS.find(([, re]) => re.test(char))?.[0] ?? `other:${char}`;
    if (script === null) script = found;
    else if (script !== found) return undefined;
  }
  if (lookalikes && script !== null && script !== 'Latin' && script !== 'Cyrillic')
    return undefined;
  return script ?? (lookalikes ? 'Latin' : null);
}

/** The plate of a read or a violation: the shared charset and length, then one script. */
export function checkReadPlate(ctx: Ctx, field: string, value: string, required: boolean): void {
  const before = ctx.sink.errors.length;
  if (value === '' && required) {
    ctx.sink.add(field, 'required', 'is required');
    return;
  }
  checkPlate(ctx, field, value, required);
  if (ctx.sink.errors.length === before && value !== '' && plateScript(value) === undefined) {
    ctx.sink.add(
      field,
      'mixed_script',
      'mixes letters of different scripts (only Cyrillic letters that look Latin may stand in for Latin ones)',
    );
  }
}

export function checkPlateRead(ctx: Ctx, at: string, p: PlateRead): void {
  checkReadPlate(ctx, `${at}.plate`, p.plate, true);
  checkRange(ctx, `${at}.confidence`, p.confidence, 0, 1);
  if (p.characterConfidences.length > 0) {
    const characters = [...p.plate].length;
    if (p.characterConfidences.length !== characters) {
      ctx.sink.add(
        `${at}.character_confidences`,
        'length',
        `must have one value per character of plate (${characters}), got ${p.characterConfidences.length}`,
      );
    } else {
      const bad = p.characterConfidences.findIndex((c) => !(c >= 0 && c <= 1));
      if (bad >= 0)
        checkRange(ctx, `${at}.character_confidences[${bad}]`, p.characterConfidences[bad]!, 0, 1);
    }
  }
  if (p.country !== '' && !COUNTRY.test(p.country))
    ctx.sink.add(`${at}.country`, 'charset', 'must be an ISO 3166-1 alpha-2 code such as KZ');
  checkEnum(ctx, `${at}.direction`, p.direction, VehicleDirectionSchema, true);
  if (p.lane !== undefined) checkRange(ctx, `${at}.lane`, p.lane, 1, ctx.limits.maxLane);
  if (p.speedKmh !== undefined)
    checkRange(ctx, `${at}.speed_kmh`, p.speedKmh, 0, ctx.limits.maxSpeedKmh);
  checkEnum(ctx, `${at}.vehicle_type`, p.vehicleType, VehicleTypeSchema, true);
  checkText(ctx, `${at}.vehicle_colour`, p.vehicleColour, MAX_COLOUR_LENGTH);
  checkText(ctx, `${at}.vehicle_make`, p.vehicleMake, MAX_MAKE_LENGTH);
  if (p.plateCropJpeg !== undefined)
    checkJpeg(ctx, `${at}.plate_crop_jpeg`, p.plateCropJpeg, ctx.limits.maxCropJpegBytes, false);
  if (p.overviewJpeg !== undefined)
    checkJpeg(ctx, `${at}.overview_jpeg`, p.overviewJpeg, ctx.limits.maxJpegBytes, false);
  checkRef(ctx, `${at}.plate_crop_ref`, p.plateCropRef);
  checkRef(ctx, `${at}.overview_ref`, p.overviewRef);
}

function checkNormalisedPlate(ctx: Ctx, field: string, value: string): void {
  const max = ctx.limits.maxPlateLength;
  if (value === '') ctx.sink.add(field, 'required', 'is required');
  else if (value.length > max)
    ctx.sink.add(field, 'length', `must be at most ${max} characters, got ${value.length}`);
  else if (!NORMALISED_PLATE.test(value))
    ctx.sink.add(field, 'charset', 'must be a normalised plate: A-Z and 0-9 only');
}

function checkCategory(ctx: Ctx, field: string, value: string): void {
  if (value === '') ctx.sink.add(field, 'required', 'is required');
  else if (value.length > MAX_CATEGORY_LENGTH)
    ctx.sink.add(field, 'length', `must be at most ${MAX_CATEGORY_LENGTH} characters`);
  else if (!CATEGORY.test(value)) ctx.sink.add(field, 'charset', 'must contain only a-z 0-9 _ -');
}

/** Field-level problems of a VehicleListChange; empty when it is valid. */
export function validateVehicleListChange(
  msg: VehicleListChange,
  now: Date = new Date(),
  limits: Partial<ContractLimits> = CONTRACT_LIMITS,
): FieldError[] {
  const ctx = makeCtx(now, limits);
  checkId(ctx, 'entry_id', msg.entryId);
  checkEnum(ctx, 'kind', msg.kind, VehicleListChangeKindSchema);
  checkId(ctx, 'list_id', msg.listId);
  if (msg.kind !== VehicleListChangeKind.REMOVED) {
    checkNormalisedPlate(ctx, 'plate', msg.plate);
    checkCategory(ctx, 'category', msg.category);
    checkEnum(ctx, 'match_policy', msg.matchPolicy, VehicleMatchPolicySchema);
  }
  checkRange(ctx, 'priority', msg.priority, 0, MAX_PRIORITY);
  checkText(ctx, 'case_reference', msg.caseReference, ctx.limits.maxIdLength);
  checkText(ctx, 'description', msg.description, MAX_DESCRIPTION_LENGTH);
  if (msg.version < 1n) ctx.sink.add('version', 'range', 'must be at least 1');
  const occurred = checkTime(ctx, 'occurred_at', msg.occurredAt, { required: true });
  const expires = checkTime(ctx, 'expires_at', msg.expiresAt, {
    required: false,
    allowFuture: true,
  });
  checkNotBefore(ctx, 'expires_at', expires, 'occurred_at', occurred);
  if (msg.rejectedReads.length > MAX_REJECTED_READS)
    ctx.sink.add('rejected_reads', 'count', `must have at most ${MAX_REJECTED_READS} reads`);
  else if (msg.kind === VehicleListChangeKind.REMOVED && msg.rejectedReads.length > 0)
    ctx.sink.add('rejected_reads', 'count', 'must be empty for a removal');
  msg.rejectedReads.forEach((read, i) => checkNormalisedPlate(ctx, `rejected_reads[${i}]`, read));
  return ctx.sink.errors;
}

/** Most "not this car" reads one VehicleListChange carries. */
export const MAX_REJECTED_READS = 256;

/** Field-level problems of a VehicleHit; empty when it is valid. */
export function validateVehicleHit(
  msg: VehicleHit,
  now: Date = new Date(),
  limits: Partial<ContractLimits> = CONTRACT_LIMITS,
): FieldError[] {
  const ctx = makeCtx(now, limits);
  checkUuid(ctx, 'hit_id', msg.hitId);
  checkUuid(ctx, 'event_id', msg.eventId);
  checkId(ctx, 'camera_id', msg.cameraId);
  checkReadPlate(ctx, 'plate_read', msg.plateRead, true);
  checkNormalisedPlate(ctx, 'plate_normalised', msg.plateNormalised);
  checkNormalisedPlate(ctx, 'plate_listed', msg.plateListed);
  checkId(ctx, 'entry_id', msg.entryId);
  checkId(ctx, 'list_id', msg.listId);
  checkEnum(ctx, 'match_kind', msg.matchKind, VehicleMatchKindSchema);
  if (msg.matchKind === VehicleMatchKind.EXACT && msg.position !== undefined)
    ctx.sink.add('position', 'range', 'must not be set for an exact match');
  if (msg.position !== undefined)
    checkRange(ctx, 'position', msg.position, 0, ctx.limits.maxPlateLength - 1);
  checkRange(ctx, 'confidence', msg.confidence, 0, 1);
  checkCategory(ctx, 'category', msg.category);
  checkRange(ctx, 'priority', msg.priority, 0, MAX_PRIORITY);
  checkEnum(ctx, 'direction', msg.direction, VehicleDirectionSchema, true);
  checkRef(ctx, 'plate_crop_ref', msg.plateCropRef);
  checkRef(ctx, 'overview_ref', msg.overviewRef);
  const captured = checkTime(ctx, 'captured_at', msg.capturedAt, { required: true });
  const matched = checkTime(ctx, 'matched_at', msg.matchedAt, { required: true });
  checkNotBefore(ctx, 'matched_at', matched, 'captured_at', captured);
  if (msg.sightingCount < 1) ctx.sink.add('sighting_count', 'range', 'must be at least 1');
  return ctx.sink.errors;
}
