import fc from 'fast-check';
import { create } from '@bufbuild/protobuf';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AnalyticsType,
  CameraEventSchema,
  timestampFromDate,
  validateCameraEvent,
  VehicleType,
  type AnalyticsDetection,
  type FaceObservation,
  type PlateRead,
} from '@kuzet/contracts';
import { mapDeepStreamMessage, MappedDeepStream } from './deepstream.mapper';

const FIXTURES = join(__dirname, '../../../../test/fixtures/deepstream');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
const bytes = (doc: unknown) => Buffer.from(JSON.stringify(doc));

function ok(mapped: MappedDeepStream) {
  if (!mapped.ok) throw new Error(JSON.stringify(mapped.errors));
  return mapped;
}
function refused(mapped: MappedDeepStream) {
  if (mapped.ok) throw new Error('expected a refusal');
  return { field: mapped.errors[0]!.field, rule: mapped.errors[0]!.rule };
}

describe('mapDeepStreamMessage', () => {
  it('maps a full-schema vehicle with its licence plate to a plate read', () => {
    const mapped = ok(mapDeepStreamMessage(bytes(fixture('full-vehicle.json'))));
    expect(mapped).toMatchObject({ schema: 'full', sensorId: 'aktau-cam-0001' });
    expect(mapped.capturedAt.toISOString()).toBe('2026-12-04T10:31:07.828Z');
    expect(mapped.events).toHaveLength(1);
    const read = mapped.events[0]!.payload.value as PlateRead;
    expect(mapped.events[0]!.payload.case).toBe('plateRead');
    expect(read.plate).toBe('123ABC12');
    expect(read.confidence).toBeCloseTo(0.91);
    expect(read.vehicleType).toBe(VehicleType.CAR);
    expect(read.vehicleColour).toBe('white');
  });

  it("reads nvmsgconv's -0.1 'no confidence' as 0", () => {
    const doc = fixture('full-vehicle.json');
    (doc['object'] as { vehicle: { confidence: number } }).vehicle.confidence = -0.1;
    const read = ok(mapDeepStreamMessage(bytes(doc))).events[0]!.payload.value as PlateRead;
    expect(read.confidence).toBe(0);
  });

  it("maps another object to an analytics detection of the event's type, in its place", () => {
    const mapped = ok(mapDeepStreamMessage(bytes(fixture('full-person.json'))));
    const detection = mapped.events[0]!.payload.value as AnalyticsDetection;
    expect(mapped.events[0]!.payload.case).toBe('analyticsDetection');
    expect(detection.type).toBe(AnalyticsType.ILLEGAL_DUMPING);
    expect(detection.confidence).toBeCloseTo(0.83);
    expect(detection.objectCount).toBe(1);
    expect(detection.zone).toBe('uralsk-dostyk-yard-3');
  });

  it('keeps an unknown event type as text', () => {
    const doc = fixture('full-person.json');
    doc['event'] = { id: 'x', type: 'entry' };
    const detection = ok(mapDeepStreamMessage(bytes(doc))).events[0]!.payload
      .value as AnalyticsDetection;
    expect(detection.type).toBe(AnalyticsType.UNSPECIFIED);
    expect(detection.typeText).toBe('entry');
  });

  it('maps a face with its embedding to a face observation of the module as model', () => {
    const doc = fixture('full-person.json');
    doc['analyticsModule'] = { id: 'fr_feature@1' };
    doc['object'] = {
      id: '7',
      face: { gender: 'male', confidence: 0.7 },
      embedding: { embedding_vector: [0.5, -0.25, 0.125] },
      bbox: { topleftx: 10, toplefty: 20, bottomrightx: 74, bottomrighty: 100 },
    };
    const face = ok(mapDeepStreamMessage(bytes(doc))).events[0]!.payload.value as FaceObservation;
    expect(face.embedding).toEqual([0.5, -0.25, 0.125]);
    expect(face.modelId).toBe('fr_feature@1');
    expect(face.quality).toBeCloseTo(0.7);
    expect(face.box).toMatchObject({ x: 10, y: 20, width: 64, height: 80 });
  });

  it('refuses a face without an embedding, naming the field', () => {
    const doc = fixture('full-person.json');
    doc['object'] = { id: '7', face: { gender: 'male' } };
    expect(refused(mapDeepStreamMessage(bytes(doc)))).toEqual({
      field: 'object.embedding',
      rule: 'required',
    });
  });

  it('maps a minimal-schema frame: each plate a read, other objects counted per label', () => {
    const mapped = ok(mapDeepStreamMessage(bytes(fixture('minimal.json'))));
    expect(mapped).toMatchObject({ schema: 'minimal', sensorId: 'aktau-cam-0001' });
    expect(mapped.events.map((e) => e.payload.case)).toEqual(['plateRead', 'analyticsDetection']);
    expect((mapped.events[0]!.payload.value as PlateRead).plate).toBe('123ABC12');
    expect((mapped.events[0]!.payload.value as PlateRead).confidence).toBeCloseTo(0.88);
    const people = mapped.events[1]!.payload.value as AnalyticsDetection;
    expect(people).toMatchObject({ typeText: 'Person', objectCount: 3 });
  });

  it('maps a redelivered message to the same event ids, another message to others', () => {
    for (const name of ['full-vehicle.json', 'minimal.json']) {
      const first = ok(mapDeepStreamMessage(bytes(fixture(name))));
      const again = ok(mapDeepStreamMessage(bytes(fixture(name))));
      expect(again.events.map((e) => e.eventId)).toEqual(first.events.map((e) => e.eventId));
      const other = fixture(name);
      if ('messageid' in other) other['messageid'] = 'another';
      else other['@timestamp'] = '2026-12-04T10:33:13.041Z';
      const next = ok(mapDeepStreamMessage(bytes(other)));
      expect(next.events[0]!.eventId).not.toBe(first.events[0]!.eventId);
    }
  });

  it.each([
    ['full-vehicle.json', (d: Record<string, unknown>) => delete d['sensor'], 'sensor.id'],
    [
      'full-vehicle.json',
      (d: Record<string, unknown>) => ((d['sensor'] as Record<string, unknown>)['id'] = ''),
      'sensor.id',
    ],
    ['full-vehicle.json', (d: Record<string, unknown>) => delete d['messageid'], 'messageid'],
    ['full-vehicle.json', (d: Record<string, unknown>) => delete d['object'], 'object'],
    ['full-vehicle.json', (d: Record<string, unknown>) => delete d['@timestamp'], '@timestamp'],
    ['minimal.json', (d: Record<string, unknown>) => delete d['sensorId'], 'sensorId'],
    ['minimal.json', (d: Record<string, unknown>) => delete d['id'], 'id'],
    ['minimal.json', (d: Record<string, unknown>) => (d['objects'] = []), 'objects'],
    ['minimal.json', (d: Record<string, unknown>) => (d['objects'] = ['1|2|3']), 'objects[0]'],
  ])('refuses %s with a field missing, naming %s', (name, edit, field) => {
    const doc = fixture(name);
    edit(doc);
    expect(refused(mapDeepStreamMessage(bytes(doc))).field).toBe(field);
  });

  it('refuses a time without its offset, naming the rule', () => {
    const doc = fixture('full-vehicle.json');
    doc['@timestamp'] = '2026-12-04T10:31:07.828';
    expect(refused(mapDeepStreamMessage(bytes(doc)))).toEqual({
      field: '@timestamp',
      rule: 'format',
    });
  });

  it('refuses what is not JSON, and an oversize message before parsing it', () => {
    expect(refused(mapDeepStreamMessage(Buffer.from('{"sensor":')))).toEqual({
      field: '$',
      rule: 'json',
    });
    expect(refused(mapDeepStreamMessage(Buffer.alloc(1024 * 1024 + 1, 0x20)))).toEqual({
      field: '$',
      rule: 'max_bytes',
    });
  });

  /** Whatever comes in, the mapper answers; what it maps is a valid camera event. */
  const valid = (mapped: MappedDeepStream) => {
    if (!mapped.ok) {
      expect(mapped.errors.length).toBeGreaterThan(0);
      for (const e of mapped.errors) {
        expect(e.field).not.toBe('');
        expect(e.rule).not.toBe('');
      }
      return;
    }
    expect(mapped.events.length).toBeGreaterThan(0);
    expect(new Set(mapped.events.map((e) => e.eventId)).size).toBe(mapped.events.length);
    for (const { eventId, payload } of mapped.events) {
      const event = create(CameraEventSchema, {
        eventId,
        cameraId: 'aktau-cam-0001',
        capturedAt: timestampFromDate(mapped.capturedAt),
        payload,
      });
      const errors = validateCameraEvent(event, new Date('2026-12-05T00:00:00Z')).filter(
        // the plate text and the embedding are the device's, judged by the contract like an
        // integrator's (the consumer dead-letters them with the contract's field and rule)
        (e) =>
          e.field !== 'payload.plate_read.plate' &&
          !e.field.startsWith('payload.face_observation.'),
      );
      expect(errors).toEqual([]);
    }
  };

  it('never throws on arbitrary bytes or JSON', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => valid(mapDeepStreamMessage(b))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (j) => valid(mapDeepStreamMessage(Buffer.from(j)))),
      { numRuns: 300 },
    );
  });

  it('maps arbitrary edits of real messages to valid events or a named refusal', () => {
    const scalar = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.double(),
      fc.integer(),
      fc.constant(null),
      fc.constant(''),
      fc.array(fc.double(), { maxLength: 5 }),
    );
    const paths: readonly (readonly string[])[] = [
      ['messageid'],
      ['@timestamp'],
      ['sensor', 'id'],
      ['object', 'vehicle', 'license'],
      ['object', 'vehicle', 'confidence'],
      ['object', 'vehicle', 'type'],
      ['object', 'vehicle', 'color'],
      ['object', 'confidence'],
      ['object', 'face'],
      ['object', 'embedding'],
      ['event', 'type'],
      ['place', 'id'],
      ['sensorId'],
      ['id'],
      ['objects'],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom('full-vehicle.json', 'full-person.json', 'minimal.json'),
        fc.array(fc.tuple(fc.constantFrom(...paths), scalar), { maxLength: 4 }),
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 60 }),
            // minimal-schema object strings: id|left|top|right|bottom|label|#|attributes
            fc
              .array(
                fc.oneof(
                  fc.string({ maxLength: 10 }),
                  fc.constantFrom('Vehicle', 'Face', 'Person', '#', '', '123ABC12', '0.5,0.25'),
                  fc.double().map(String),
                ),
                { maxLength: 16 },
              )
              .map((parts) => parts.join('|')),
          ),
          { maxLength: 6 },
        ),
        (name, edits, objects) => {
          const doc = fixture(name);
          for (const [path, value] of edits) setPath(doc, path, value);
          if (Array.isArray(doc['objects']) && objects.length > 0) {
            doc['objects'] = [...(doc['objects'] as string[]), ...objects];
          }
          valid(mapDeepStreamMessage(bytes(doc)));
        },
      ),
      { numRuns: 500 },
    );
  });
});

function setPath(doc: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at: Record<string, unknown> = doc;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[path.at(-1)!] = value;
}
