/** One problem with one field of a contract message. */
export interface FieldError {
  /**
   * Dotted path of proto field names, with the oneof name before its member and
   * list indexes in brackets: "event_id", "payload.face_observation.embedding[3]".
   * "$" is the message as a whole (malformed protobuf or JSON, oversize input).
   */
  field: string;
  /** Short machine-readable rule name, see CONTRACT_RULES. */
  rule: string;
  /** Human-readable explanation for integrators and logs. */
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Every rule name the contracts library reports. */
export const CONTRACT_RULES = Object.freeze([
  'protobuf', // bytes are not a protobuf encoding of the message
  'json', // text is not JSON, or JSON that protobuf-es rejects for a reason not tied to one field
  'type', // JSON value has the wrong type for the field
  'unknown_field', // JSON key that the message does not have
  'duplicate', // JSON sets a field twice (by proto name and JSON name)
  'oneof', // JSON sets more than one member of a oneof
  'base64', // JSON bytes field is not base64
  'timestamp', // not a valid google.protobuf.Timestamp
  'required',
  'uuid',
  'length',
  'charset',
  'uri',
  'enum', // a number that is not a value of the enum
  'range',
  'finite',
  'norm',
  'jpeg',
  'max_bytes',
  'max_future_skew',
  'max_age',
  'min_time',
  'time_order',
  'speeding',
  'below_threshold',
  'count',
  'mixed_script', // a plate whose letters mix scripts beyond the Cyrillic look-alikes of Latin
] as const);

export type ContractRule = (typeof CONTRACT_RULES)[number];

/** One line for logs and dead-letter reasons: "captured_at: max_future_skew (…); event_id: uuid (…)". */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.rule} (${e.message})`).join('; ');
}

/** Collects errors while a validator walks a message. */
export class ErrorSink {
  readonly errors: FieldError[] = [];

  add(field: string, rule: ContractRule, message: string): void {
    this.errors.push({ field, rule, message });
  }
}

export function ok<T>(value: T): Validated<T> {
  return { ok: true, value };
}

export function fail<T>(errors: FieldError[]): Validated<T> {
  return { ok: false, errors };
}
