import type { DescEnum } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { ErrorSink } from './errors';
import type { ContractLimits } from './limits';

/** What every field check needs: where the errors go, the limits, and the validation clock. */
export interface Ctx {
  readonly sink: ErrorSink;
  readonly limits: Readonly<ContractLimits>;
  readonly nowMs: number;
}

// Canonical lowercase only: event ids are idempotency keys, and "A" vs "a" must not be two events.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;
// Model ids name a package or registry path ("vendor/model"), so '/' is allowed there only.
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/;
const PLATE = /^[\p{L}\p{N}][\p{L}\p{N} -]*$/u;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
// Control characters in references and free text end up in logs and the console.
/* eslint-disable no-control-regex -- these match control characters on purpose */
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_EXCEPT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/* eslint-enable no-control-regex */

// Timestamp range of google.protobuf.Timestamp: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
const MIN_TS_SECONDS = -62_135_596_800n;
const MAX_TS_SECONDS = 253_402_300_799n;

export function checkUuid(ctx: Ctx, field: string, value: string): void {
  if (value === '') ctx.sink.add(field, 'required', 'is required');
  else if (!UUID.test(value)) {
    ctx.sink.add(
      field,
      'uuid',
      'must be a UUID in canonical lowercase form (xxxxxxxx-xxxx-Mxxx-Nxxx-xxxxxxxxxxxx)',
    );
  }
}

/** Ids of cameras, persons, watchlists, models, operators, photos, sources. */
export function checkId(ctx: Ctx, field: string, value: string): void {
  const max = ctx.limits.maxIdLength;
  if (value === '') ctx.sink.add(field, 'required', 'is required');
  else if (value.length > max)
    ctx.sink.add(field, 'length', `must be at most ${max} characters, got ${value.length}`);
  else if (!SAFE_ID.test(value)) {
    ctx.sink.add(
      field,
      'charset',
      'must contain only A-Z a-z 0-9 . _ : @ - and start with a letter or digit',
    );
  }
}

/** Ids of embedding models, e.g. "faceplugin-face-recognition-js/fr_feature". */
export function checkModelId(ctx: Ctx, field: string, value: string): void {
  const max = ctx.limits.maxIdLength;
  if (value === '') ctx.sink.add(field, 'required', 'is required');
  else if (value.length > max)
    ctx.sink.add(field, 'length', `must be at most ${max} characters, got ${value.length}`);
  else if (!MODEL_ID.test(value)) {
    ctx.sink.add(
      field,
      'charset',
      'must contain only A-Z a-z 0-9 . _ : @ / - and start with a letter or digit',
    );
  }
}

/** References (URIs or opaque ids) to evidence kept elsewhere. Empty is allowed unless required. */
export function checkRef(
  ctx: Ctx,
  field: string,
  value: string,
  opts: { required?: boolean; uri?: boolean } = {},
): void {
  const max = ctx.limits.maxRefLength;
  if (value === '') {
    if (opts.required) ctx.sink.add(field, 'required', 'is required');
  } else if (value.length > max)
    ctx.sink.add(field, 'length', `must be at most ${max} characters, got ${value.length}`);
  else if (CONTROL.test(value))
    ctx.sink.add(field, 'charset', 'must not contain control characters');
  else if (opts.uri && !URI.test(value)) {
    ctx.sink.add(
      field,
      'uri',
      'must be an absolute URI such as https://host/path or s3://bucket/key',
    );
  }
}

export function checkText(
  ctx: Ctx,
  field: string,
  value: string,
  max: number,
  /** false, or the reason it is required, shown to the caller. */
  required: false | string = false,
): void {
  if (value === '') {
    if (required !== false) ctx.sink.add(field, 'required', required);
  } else if (value.length > max)
    ctx.sink.add(field, 'length', `must be at most ${max} characters, got ${value.length}`);
  else if (CONTROL_EXCEPT_WHITESPACE.test(value))
    ctx.sink.add(field, 'charset', 'must not contain control characters');
}

export function checkPlate(ctx: Ctx, field: string, value: string, required: boolean): void {
  const max = ctx.limits.maxPlateLength;
  if (value === '') {
    if (required) ctx.sink.add(field, 'required', 'is required for this violation code');
  } else if (value.length > max)
    ctx.sink.add(field, 'length', `must be at most ${max} characters, got ${value.length}`);
  else if (!PLATE.test(value))
    ctx.sink.add(field, 'charset', 'must contain only letters, digits, spaces and -');
}

/**
 * Known enum value; UNSPECIFIED (0) is "required" unless allowed. proto3 enums are open, so
 * the decoder keeps numbers the schema does not know: they are rejected here.
 */
export function checkEnum(
  ctx: Ctx,
  field: string,
  value: number,
  desc: DescEnum,
  allowUnspecified = false,
): void {
  if (value === 0 && !allowUnspecified) {
    ctx.sink.add(field, 'required', `is required (${desc.values[0]?.name ?? '0'} is not allowed)`);
  } else if (desc.value[value] === undefined) {
    const names = desc.values.map((v) => v.name).join(', ');
    ctx.sink.add(field, 'enum', `unknown value ${value}; expected one of ${names}`);
  }
}

export function checkFinite(ctx: Ctx, field: string, value: number): boolean {
  if (Number.isFinite(value)) return true;
  ctx.sink.add(field, 'finite', `must be a finite number, got ${value}`);
  return false;
}

/** Finite and inside [min, max] (max may be Infinity); a strict lower bound with minExclusive. */
export function checkRange(
  ctx: Ctx,
  field: string,
  value: number,
  min: number,
  max: number,
  minExclusive = false,
): boolean {
  if (!checkFinite(ctx, field, value)) return false;
  if (value > max || value < min || (minExclusive && value === min)) {
    const low = minExclusive ? `greater than ${min}` : `at least ${min}`;
    const high = max === Infinity ? '' : ` and at most ${max}`;
    ctx.sink.add(field, 'range', `must be ${low}${high}, got ${value}`);
    return false;
  }
  return true;
}

export function checkEmbedding(ctx: Ctx, field: string, values: readonly number[]): void {
  const want = ctx.limits.embeddingLength;
  if (values.length !== want) {
    ctx.sink.add(field, 'length', `must have exactly ${want} values, got ${values.length}`);
    return;
  }
  let firstBad = -1;
  let bad = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    // v - v is 0 only for finite v; much faster than Number.isFinite inside jest's vm contexts.
    if (v - v === 0) sumSquares += v * v;
    else if (bad++ === 0) firstBad = i;
  }
  if (bad > 0) {
    const more = bad > 1 ? ` (${bad} non-finite values in all)` : '';
    ctx.sink.add(
      `${field}[${firstBad}]`,
      'finite',
      `must be a finite number, got ${values[firstBad]}${more}`,
    );
  } else if (!(sumSquares > 0 && Number.isFinite(sumSquares))) {
    // A zero vector has no direction; an overflowing one came from a broken model.
    ctx.sink.add(field, 'norm', 'must have a non-zero, finite L2 norm');
  }
}

export function checkJpeg(
  ctx: Ctx,
  field: string,
  bytes: Uint8Array,
  maxBytes: number,
  required: boolean,
): void {
  if (bytes.length === 0) {
    if (required) ctx.sink.add(field, 'required', 'is required');
  } else if (bytes.length > maxBytes) {
    ctx.sink.add(field, 'max_bytes', `must be at most ${maxBytes} bytes, got ${bytes.length}`);
  } else if (bytes.length < 3 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) {
    ctx.sink.add(field, 'jpeg', 'must be a JPEG file (starting with the bytes FF D8 FF)');
  }
}

export interface TimeRule {
  required: boolean;
  /** Oldest acceptable age relative to now; omitted: only the absolute floor applies. */
  maxAgeMs?: number;
  /** For deadlines such as expiry, which are meant to lie in the future. */
  allowFuture?: boolean;
}

/** Checks a timestamp and returns it in epoch milliseconds when it is valid. */
export function checkTime(
  ctx: Ctx,
  field: string,
  ts: Timestamp | undefined,
  rule: TimeRule,
): number | undefined {
  if (ts === undefined) {
    if (rule.required) ctx.sink.add(field, 'required', 'is required');
    return undefined;
  }
  if (
    ts.seconds < MIN_TS_SECONDS ||
    ts.seconds > MAX_TS_SECONDS ||
    ts.nanos < 0 ||
    ts.nanos > 999_999_999
  ) {
    ctx.sink.add(
      field,
      'timestamp',
      'is not a valid timestamp (seconds 0001..9999, nanos 0..999999999)',
    );
    return undefined;
  }
  const ms = Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
  const { maxFutureSkewMs, minTimestampMs } = ctx.limits;
  if (!rule.allowFuture && ms > ctx.nowMs + maxFutureSkewMs) {
    ctx.sink.add(
      field,
      'max_future_skew',
      `is ${iso(ms)}, more than ${maxFutureSkewMs} ms after now (${iso(ctx.nowMs)})`,
    );
    return undefined;
  }
  if (ms < minTimestampMs) {
    ctx.sink.add(field, 'min_time', `is ${iso(ms)}, before ${iso(minTimestampMs)}`);
    return undefined;
  }
  if (rule.maxAgeMs !== undefined && ms < ctx.nowMs - rule.maxAgeMs) {
    ctx.sink.add(
      field,
      'max_age',
      `is ${iso(ms)}, more than ${rule.maxAgeMs} ms before now (${iso(ctx.nowMs)})`,
    );
    return undefined;
  }
  return ms;
}

export function checkNotBefore(
  ctx: Ctx,
  field: string,
  ms: number | undefined,
  other: string,
  otherMs: number | undefined,
): void {
  if (ms !== undefined && otherMs !== undefined && ms < otherMs) {
    ctx.sink.add(field, 'time_order', `must not be before ${other} (${iso(ms)} < ${iso(otherMs)})`);
  }
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
