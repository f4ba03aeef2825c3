import {
  ScalarType,
  fromBinary,
  fromJson,
  fromJsonString,
  toBinary,
  type DescField,
  type DescMessage,
  type DescOneof,
  type JsonValue,
  type Message,
} from '@bufbuild/protobuf';
import type { GenMessage } from '@bufbuild/protobuf/codegenv2';
import { fail, ok, type FieldError, type Validated } from './errors';
import { resolveLimits, type ContractLimits } from './limits';

export type Validator<T> = (msg: T, now?: Date, limits?: Partial<ContractLimits>) => FieldError[];

/** Binary protobuf -> message, then the message's validator. Never throws. */
export function decodeWith<T extends Message>(
  schema: GenMessage<T>,
  validate: Validator<T>,
  bytes: Uint8Array,
  now: Date,
  limits: Partial<ContractLimits> | undefined,
): Validated<T> {
  const resolved = resolveLimits(limits);
  if (bytes.length > resolved.maxMessageBytes) {
    return fail([
      {
        field: '$',
        rule: 'max_bytes',
        message: `message is ${bytes.length} bytes, more than ${resolved.maxMessageBytes}`,
      },
    ]);
  }
  let msg: T;
  try {
    msg = fromBinary(schema, bytes);
  } catch (e) {
    return fail([
      { field: '$', rule: 'protobuf', message: `not a valid ${schema.typeName}: ${reason(e)}` },
    ]);
  }
  return validated(msg, validate(msg, now, resolved));
}

export function encodeWith<T extends Message>(schema: GenMessage<T>, msg: T): Uint8Array {
  return toBinary(schema, msg);
}

/**
 * Parsed proto3 JSON -> message, then the validator. JSON problems (wrong types, bad base64,
 * unknown keys, bad timestamps) are reported per field; protobuf-es's own error names only
 * the field's type, so on failure the value is walked against the schema to find the path.
 */
export function fromJsonWith<T extends Message>(
  schema: GenMessage<T>,
  validate: Validator<T>,
  json: unknown,
  now: Date,
  limits: Partial<ContractLimits> | undefined,
): Validated<T> {
  let msg: T;
  try {
    msg = fromJson(schema, json as JsonValue);
  } catch (e) {
    return fail(diagnoseWithContract(schema, validate, json, e, now, limits));
  }
  return validated(msg, validate(msg, now, limits));
}

/** The JSON problems, and what the contract says about the rest of the message: the fields at
 * fault are left out, the message is built from the others and validated, and its errors are
 * added unless they are about a field already named, or one inside or around it. */
function diagnoseWithContract<T extends Message>(
  schema: GenMessage<T>,
  validate: Validator<T>,
  json: unknown,
  original: unknown,
  now: Date,
  limits: Partial<ContractLimits> | undefined,
): FieldError[] {
  const errors: FieldError[] = [];
  const clean = walk(schema, json, '', errors);
  if (errors.length === 0) return diagnose(schema, json, original);
  let rest: T;
  try {
    rest = fromJson(schema, clean as JsonValue);
  } catch {
    return errors;
  }
  // a field left out (or its list) is not also reported missing or short by the contract
  const related = (a: string, b: string): boolean =>
    a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
  const named = errors.map((e) => e.field);
  const within = (field: string): boolean =>
    named.some((n) => n === '$' || related(field, n) || related(n, field));
  return [...errors, ...validate(rest, now, limits).filter((e) => !within(e.field))];
}

/** JSON text -> message, then the validator. Rejects duplicate keys, unlike JSON.parse. */
export function fromJsonStringWith<T extends Message>(
  schema: GenMessage<T>,
  validate: Validator<T>,
  text: string,
  now: Date,
  limits: Partial<ContractLimits> | undefined,
): Validated<T> {
  let msg: T;
  try {
    msg = fromJsonString(schema, text);
  } catch (e) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (parseError) {
      return fail([{ field: '$', rule: 'json', message: `not valid JSON: ${reason(parseError)}` }]);
    }
    return fail(diagnose(schema, json, e));
  }
  return validated(msg, validate(msg, now, limits));
}

function validated<T>(msg: T, errors: FieldError[]): Validated<T> {
  return errors.length === 0 ? ok(msg) : fail(errors);
}

function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/^cannot decode .*? from JSON:\s*/, '');
}

function diagnose(schema: DescMessage, json: unknown, original: unknown): FieldError[] {
  const errors: FieldError[] = [];
  walk(schema, json, '', errors);
  // Limits protobuf-es enforces that are not tied to one field, such as duplicate keys in text.
  if (errors.length === 0) errors.push({ field: '$', rule: 'json', message: reason(original) });
  return errors;
}

const byJsonKey = new WeakMap<DescMessage, Map<string, DescField>>();

function fieldsByKey(schema: DescMessage): Map<string, DescField> {
  let map = byJsonKey.get(schema);
  if (map === undefined) {
    map = new Map();
    for (const f of schema.fields) map.set(f.name, f).set(f.jsonName, f);
    byJsonKey.set(schema, map);
  }
  return map;
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

function fieldPath(prefix: string, f: DescField): string {
  return f.oneof ? join(prefix, `${f.oneof.name}.${f.name}`) : join(prefix, f.name);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`.slice(0, 80);
}

/** Is this field a message we can descend into (well-known types have their own JSON forms)? */
function nested(f: DescField): DescMessage | undefined {
  const m =
    f.fieldKind === 'message' || (f.fieldKind === 'list' && f.listKind === 'message')
      ? f.message
      : undefined;
  return m !== undefined && !m.typeName.startsWith('google.protobuf.') ? m : undefined;
}

/** Collects the JSON problems of `json` against `schema`, and returns a copy of it without the
 * keys at fault (undefined if it is not an object at all). */
function walk(
  schema: DescMessage,
  json: unknown,
  prefix: string,
  errors: FieldError[],
): Record<string, unknown> | undefined {
  if (!isPlainObject(json)) {
    errors.push({
      field: prefix === '' ? '$' : prefix,
      rule: 'type',
      message: `expected a JSON object, got ${describe(json)}`,
    });
    return undefined;
  }
  const clean: Record<string, unknown> = {};
  const seen = new Set<DescField>();
  const oneofs = new Map<DescOneof, DescField>();
  for (const [key, value] of Object.entries(json)) {
    const f = fieldsByKey(schema).get(key);
    if (f === undefined) {
      // Quote keys that would make an ambiguous or empty path.
      const segment = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
      errors.push({
        field: join(prefix, segment),
        rule: 'unknown_field',
        message: `${schema.typeName} has no field ${JSON.stringify(key)}`,
      });
      continue;
    }
    const path = fieldPath(prefix, f);
    if (seen.has(f)) {
      errors.push({
        field: path,
        rule: 'duplicate',
        message: `set more than once (as "${f.name}" and "${f.jsonName}")`,
      });
      continue;
    }
    seen.add(f);
    if (f.oneof !== undefined && value !== null) {
      const other = oneofs.get(f.oneof);
      if (other !== undefined) {
        errors.push({
          field: join(prefix, f.oneof.name),
          rule: 'oneof',
          message: `only one of ${f.oneof.fields.map((o) => o.name).join(', ')} may be set, got ${other.name} and ${f.name}`,
        });
        continue;
      }
      oneofs.set(f.oneof, f);
    }
    const before = errors.length;
    const cleaned = walkField(schema, f, key, value, path, errors);
    if (errors.length === before) clean[key] = value;
    else if (cleaned !== undefined) clean[key] = cleaned;
  }
  return clean;
}

function walkField(
  schema: DescMessage,
  f: DescField,
  key: string,
  value: unknown,
  path: string,
  errors: FieldError[],
): unknown {
  const child = nested(f);
  if (child !== undefined && value !== null) {
    if (f.fieldKind === 'list') {
      if (!Array.isArray(value)) {
        errors.push({
          field: path,
          rule: 'type',
          message: `expected an array, got ${describe(value)}`,
        });
        return undefined;
      }
      const items = value.map((item, i) => walk(child, item, `${path}[${i}]`, errors));
      return items.every((item) => item !== undefined) ? items : undefined;
    }
    return walk(child, value, path, errors);
  }
  const problem = tryField(schema, key, value);
  if (problem === undefined) return undefined;
  if (f.fieldKind === 'list' && Array.isArray(value)) {
    // Name the first bad item rather than the whole list.
    const bad = value.findIndex((item) => tryField(schema, key, [item]) !== undefined);
    if (bad >= 0) {
      const item: unknown = value[bad];
      const rule = ruleFor(f, item);
      errors.push({
        field: `${path}[${bad}]`,
        rule,
        message: explain(f, rule, item, tryField(schema, key, [item]) ?? problem),
      });
      return undefined;
    }
  }
  const rule = ruleFor(f, value);
  errors.push({ field: path, rule, message: explain(f, rule, value, problem) });
  return undefined;
}

/** protobuf-es names only the bad value of an enum: say which values there are. */
function explain(f: DescField, rule: string, value: unknown, problem: string): string {
  const enumType =
    f.fieldKind === 'enum' || (f.fieldKind === 'list' && f.listKind === 'enum')
      ? f.enum
      : undefined;
  if (rule !== 'enum' || enumType === undefined) return problem;
  const names = enumType.values.filter((v) => v.number !== 0).map((v) => v.name);
  return `${JSON.stringify(value)} is not a ${enumType.name}: use one of ${names.join(', ')} (or its number)`;
}

/** Decodes one field on its own; the reason it fails, or undefined. */
function tryField(schema: DescMessage, key: string, value: unknown): string | undefined {
  try {
    fromJson(schema, { [key]: value } as JsonValue);
    return undefined;
  } catch (e) {
    return reason(e);
  }
}

function ruleFor(f: DescField, value: unknown): 'base64' | 'enum' | 'timestamp' | 'type' {
  const scalar =
    f.fieldKind === 'scalar' || (f.fieldKind === 'list' && f.listKind === 'scalar')
      ? f.scalar
      : undefined;
  if (scalar === ScalarType.BYTES && typeof value === 'string') return 'base64';
  if (f.fieldKind === 'enum' || (f.fieldKind === 'list' && f.listKind === 'enum')) return 'enum';
  if (f.message?.typeName === 'google.protobuf.Timestamp') return 'timestamp';
  return 'type';
}
