import fc from 'fast-check';
import {
  BADGE_EMBEDDING_LENGTH,
  identifyRequestSchema,
  toIdentifyCommand,
} from './badge-identify.schemas';

const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,40}$/);
const component = fc.double({ min: -1e300, max: 1e300, noNaN: true, noDefaultInfinity: true });
const embedding = fc
  .array(component, { minLength: BADGE_EMBEDDING_LENGTH, maxLength: BADGE_EMBEDDING_LENGTH })
  .filter((values) => values.some((v) => v !== 0));
const position = fc.record({
  lat: fc.double({ min: -90, max: 90, noNaN: true }),
  lon: fc.double({ min: -180, max: 180, noNaN: true }),
});
const photo = fc.uint8Array({ minLength: 3, maxLength: 2048 }).map((b) => Buffer.from(b));

const base = fc.record(
  { officer_id: id, device_id: id, position },
  { requiredKeys: ['officer_id'] },
);

function norm(vector: Float32Array): number {
  let sum = 0;
  for (const v of vector) sum += v * v;
  return Math.sqrt(sum);
}

describe('the badge identify request and its mapping (property)', () => {
  it('an embedding request maps to a unit vector in the same direction, the rest as given', () => {
    fc.assert(
      fc.property(base, embedding, (fields, values) => {
        const parsed = identifyRequestSchema.safeParse({
          ...fields,
          embedding: values,
          model_id: 'fr_feature',
        });
        expect(parsed.success).toBe(true);
        const command = toIdentifyCommand(parsed.data!);
        expect(command.officerId).toBe(fields.officer_id);
        expect(command.deviceId).toBe(fields.device_id ?? null);
        expect(command.position).toEqual(fields.position ?? null);
        if (command.probe.kind !== 'embedding') throw new Error('an embedding probe expected');
        expect(command.probe.modelId).toBe('fr_feature');
        expect(norm(command.probe.embedding)).toBeCloseTo(1, 4);
        // same direction: the largest component keeps its sign and stays the largest
        const largest = values.reduce(
          (best, v, i) => (Math.abs(v) > Math.abs(values[best]!) ? i : best),
          0,
        );
        expect(Math.sign(command.probe.embedding[largest]!)).toBe(Math.sign(values[largest]!));
        expect(command.probe.embedding.every(Number.isFinite)).toBe(true);
      }),
    );
  });

  it('a photo request maps to the very bytes the badge sent', () => {
    fc.assert(
      fc.property(base, photo, (fields, bytes) => {
        const parsed = identifyRequestSchema.safeParse({
          ...fields,
          photo: bytes.toString('base64'),
        });
        expect(parsed.success).toBe(true);
        const command = toIdentifyCommand(parsed.data!);
        if (command.probe.kind !== 'photo') throw new Error('a photo probe expected');
        expect(command.probe.photo.equals(bytes)).toBe(true);
      }),
    );
  });

  it('both probes or neither is refused on embedding; an embedding without model_id on model_id', () => {
    fc.assert(
      fc.property(base, embedding, photo, fc.boolean(), (fields, values, bytes, both) => {
        const body = both
          ? { ...fields, embedding: values, model_id: 'm', photo: bytes.toString('base64') }
          : fields;
        const parsed = identifyRequestSchema.safeParse(body);
        expect(parsed.success).toBe(false);
        expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain('embedding');
        const missingModel = identifyRequestSchema.safeParse({ ...fields, embedding: values });
        expect(missingModel.error!.issues.map((i) => i.path.join('.'))).toEqual(['model_id']);
      }),
    );
  });

  it('a wrong length, a non-number, a zero vector or a bad id is refused, naming the field', () => {
    const bad = fc.oneof(
      fc.record({
        field: fc.constant('embedding'),
        body: fc
          .array(component, { minLength: 0, maxLength: 600 })
          .filter((v) => v.length !== BADGE_EMBEDDING_LENGTH)
          .map((v) => ({ officer_id: 'o', embedding: v, model_id: 'm' })),
      }),
      fc.record({
        field: fc.constant('embedding'),
        body: fc.constant({
          officer_id: 'o',
          embedding: new Array<number>(BADGE_EMBEDDING_LENGTH).fill(0),
          model_id: 'm',
        }),
      }),
      fc.record({
        field: fc.constant('officer_id'),
        body: fc
          .string()
          .filter((s) => !/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/.test(s))
          .map((officer) => ({ officer_id: officer, photo: 'AAAA' })),
      }),
      fc.record({
        field: fc.constant('position.lat'),
        body: fc
          .double({ noNaN: true })
          .filter((lat) => Math.abs(lat) > 90)
          .map((lat) => ({ officer_id: 'o', photo: 'AAAA', position: { lat, lon: 0 } })),
      }),
    );
    fc.assert(
      fc.property(bad, ({ field, body }) => {
        const parsed = identifyRequestSchema.safeParse(body);
        expect(parsed.success).toBe(false);
        expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(field);
      }),
    );
  });
});
