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

  it('counts a face without an embedding as a detection, and refuses an empty one naming the field', () => {
    const doc = fixture('full-person.json');
    doc['object'] = { id: '7', face: { gender: 'male' } };
    const mapped = ok(mapDeepStreamMessage(bytes(doc)));
    expect(mapped.events.map((e) => e.payload.case)).toEqual(['analyticsDetection']);
    doc['object'] = { id: '7', face: { gender: 'male' }, embedding: { embedding_vector: [] } };
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

  describe("as NVIDIA's nvmsgconv writes them", () => {
    const face = (m: MappedDeepStream, n = 0) => {
      const e = ok(m).events[n]!;
      expect(e.payload.case).toBe('faceObservation');
      return e.payload.value as FaceObservation;
    };
    const fullFaceVector = () =>
      (
        (fixture('full-face.json')['object'] as Record<string, unknown>)['embedding'] as {
          embedding_vector: number[];
        }
      ).embedding_vector;

    it('maps a full-schema face (NvDsFaceObject, object.embedding) to a face observation', () => {
      const observed = face(mapDeepStreamMessage(bytes(fixture('full-face.json'))));
      expect(observed.embedding).toEqual(fullFaceVector());
      expect(observed.modelId).toBe('fr_feature@1');
      expect(observed.quality).toBeCloseTo(0.93);
      expect(observed.box).toMatchObject({ x: 612, y: 210, width: 64, height: 80 });
    });

    it('maps a minimal-schema face: attributes, confidence, then |#|embedding|…| with its closing bar', () => {
      const mapped = mapDeepStreamMessage(bytes(fixture('minimal-face.json')), {
        faceModelId: 'fr_feature@1',
      });
      const observed = face(mapped);
      // the minimal schema writes a float with 6 significant digits
      expect(observed.embedding).toHaveLength(512);
      observed.embedding.forEach((v, i) => expect(v).toBeCloseTo(fullFaceVector()[i]!, 5));
      expect(observed.modelId).toBe('fr_feature@1');
      expect(observed.quality).toBeCloseTo(0.93);
      expect(observed.box).toMatchObject({ x: 612.5, y: 210.25, width: 64, height: 80.5 });
      const people = ok(mapped).events[1]!.payload.value as AnalyticsDetection;
      expect(people).toMatchObject({ typeText: 'Person', objectCount: 1 });
    });

    it("takes a minimal message's own modelId before the configured one", () => {
      const doc = fixture('minimal-face.json');
      doc['modelId'] = 'arcface@2';
      expect(face(mapDeepStreamMessage(bytes(doc), { faceModelId: 'fr_feature@1' })).modelId).toBe(
        'arcface@2',
      );
      // no model named anywhere: mapped, and the contract refuses it by field (model_id)
      expect(face(mapDeepStreamMessage(bytes(fixture('minimal-face.json')))).modelId).toBe('');
    });

    it('maps minimal-schema vehicles: the plate of Vehicle and of Unknown (VEHICLE_EXT), the rest counted', () => {
      const mapped = ok(mapDeepStreamMessage(bytes(fixture('minimal-vehicle.json'))));
      expect(mapped.events.map((e) => e.payload.case)).toEqual([
        'plateRead',
        'plateRead',
        'analyticsDetection',
      ]);
      const [first, ext] = mapped.events.map((e) => e.payload.value as PlateRead);
      expect(first).toMatchObject({ plate: '123ABC12', vehicleType: VehicleType.CAR });
      expect(first!.vehicleColour).toBe('white');
      expect(first!.confidence).toBeCloseTo(0.88);
      expect(ext).toMatchObject({ plate: '456DEF07', vehicleType: VehicleType.CAR });
      expect(ext!.confidence).toBeCloseTo(0.79);
      expect(mapped.events[2]!.payload.value).toMatchObject({
        typeText: 'Vehicle',
        objectCount: 1,
      });
    });

    it("maps the integrator guide's minimal-schema example as the guide says", () => {
      const guide = readFileSync(join(__dirname, '../../../../docs/integrator-guide.md'), 'utf8');
      const block = /<!-- device-example: deepstream-minimal -->\s*\n```json\n([\s\S]*?)\n```/.exec(
        guide,
      );
      const mapped = ok(mapDeepStreamMessage(Buffer.from(block![1]!)));
      expect(
        mapped.events.map((e) =>
          e.payload.case === 'plateRead'
            ? e.payload.value.plate
            : `${(e.payload.value as AnalyticsDetection).typeText} x${(e.payload.value as AnalyticsDetection).objectCount}`,
        ),
      ).toEqual(['123ABC12', '456DEF07', 'Vehicle x1', 'Person x1']);
    });

    const frame = (objects: string[]) =>
      bytes({ ...fixture('minimal.json'), objects } as Record<string, unknown>);
    const vector = '0.0144985,-0.0299863,1.23457e-05,0.072763';

    it.each([
      [
        'DeepStream 6.2, a face without attributes',
        `31|612.5|210.25|676.5|290.75|Face|#|embedding|${vector}|`,
      ],
      [
        'DeepStream 9.1, a face without attributes',
        `31|612.5|210.25|676.5|290.75|Face|0.93|#|embedding|${vector}|`,
      ],
      [
        "deepstream-test5's own label (NVDS_OBJECT_TYPE_UNKNOWN)",
        `31|612.5|210.25|676.5|290.75|face|0.93|#|embedding|${vector}|`,
      ],
      [
        'Unknown with the face attributes (FACE_EXT)',
        `31|612.5|210.25|676.5|290.75|Unknown|#|male|34|black|none|none|none|||brown|0.93|#|embedding|${vector}|`,
      ],
      [
        "kuzet's earlier layout, the embedding last",
        `31|612.5|210.25|676.5|290.75|Face|#|${vector}`,
      ],
    ])('maps %s to a face observation', (_, object) => {
      expect(face(mapDeepStreamMessage(frame([object]))).embedding).toEqual([
        0.0144985, -0.0299863, 1.23457e-5, 0.072763,
      ]);
    });

    it('maps the other layouts NVIDIA writes without refusing the frame', () => {
      const mapped = ok(
        mapDeepStreamMessage(
          frame([
            // DeepStream 6.2: a Person without NvDsPersonObject
            '30|580|190|730|610|Person|#||||||',
            // DeepStream 9.1: with attributes, a 2D pose, the confidence after the pose
            '32|100|100|150|300|Person|#|male|30|black|none|jacket|#|pose2D|nose,120.000000,110.000000,0.900000|neck,121.000000,130.000000,0.800000||0.91',
            // DeepStream 9.1: single-view 3D tracking right after the confidence
            '33|100|100|150|300|Person|0.9#|SV3DT|1.000000|125.000000,300.000000|1.500000,2.500000|100,100,150,300|',
            // the dsmeta path: the detector's label and its classifiers' labels
            '34|585.333|472|659.667|562|car|#|blue|ford|sedan|coupe|0.87',
            // NVDS_OBJECT_TYPE_DUMMY: no object
            '',
            '|#|embedding|0.5,0.5|',
          ]),
        ),
      );
      expect(
        mapped.events.map((e) => [
          (e.payload.value as AnalyticsDetection).typeText,
          (e.payload.value as AnalyticsDetection).objectCount,
        ]),
      ).toEqual([
        ['Person', 3],
        ['car', 1],
      ]);
    });

    it("counts a face without an embedding under its label (not its confidence as a one-value embedding), beside the frame's plates", () => {
      const mapped = ok(
        mapDeepStreamMessage(
          frame([
            '31|612.5|210.25|676.5|290.75|Face|#|male|34|black|none|none|none|||brown|0.93',
            '32|10|20|110|80|Face|0.9',
            '7|100|200|300|260|Vehicle|#|sedan|toyota|camry|white|123ABC12|KZ|0.9',
          ]),
        ),
      );
      expect(mapped.events.map((e) => e.payload.case)).toEqual(['plateRead', 'analyticsDetection']);
      const detection = mapped.events[1]!.payload.value as {
        objectCount: number;
        typeText?: string;
      };
      expect(detection.objectCount).toBe(2);
    });

    it('refuses a Vehicle whose attributes are not the seven nvmsgconv writes', () => {
      expect(
        refused(mapDeepStreamMessage(frame(['957|585|472|659|562|Vehicle|#|sedan|Toyota|0.88']))),
      ).toEqual({ field: 'objects[0]', rule: 'format' });
      expect(
        refused(mapDeepStreamMessage(frame(['957|585|472|659|562|Vehicle|0.8|extra']))),
      ).toEqual({ field: 'objects[0]', rule: 'format' });
    });

    it("maps full-schema objects under the detector's own label (test5's UNKNOWN, the dsmeta path)", () => {
      const doc = fixture('full-vehicle.json');
      doc['object'] = { id: '5', Car: {}, bbox: {}, location: {}, coordinate: {}, pose: {} };
      delete doc['event'];
      const car = ok(mapDeepStreamMessage(bytes(doc))).events[0]!.payload
        .value as AnalyticsDetection;
      expect(car.typeText).toBe('Car');
      doc['object'] = { id: '5', person: { confidence: 0.8, gender: 'male' }, bbox: {} };
      doc['event'] = { id: 'x', type: '' };
      const person = ok(mapDeepStreamMessage(bytes(doc))).events[0]!.payload
        .value as AnalyticsDetection;
      expect(person).toMatchObject({ typeText: 'person' });
      expect(person.confidence).toBeCloseTo(0.8);
      doc['object'] = {
        id: '5',
        Face: {},
        embedding: { embedding_length: 2, embedding_vector: [0.6, 0.8] },
      };
      expect(face(mapDeepStreamMessage(bytes(doc), { faceModelId: 'fr_feature@1' })).modelId).toBe(
        'XYZ',
      );
    });

    /** NVIDIA's `generate_event_message_minimal` (eventmsg_payload.cpp) for a vehicle and a
     * face: DeepStream 6.2 writes the confidence inside the attributes, 9.1 after them. */
    const cpp = (x: number) => String(Number(x.toPrecision(6)));
    const nvidiaObject = (
      version: 6 | 9,
      head: string,
      attributes: string[] | undefined,
      confidence: number,
      embedding: number[] | undefined,
    ) => {
      let s = head;
      if (attributes)
        s += `|#|${attributes.join('|')}${version === 6 ? `|${cpp(confidence)}` : ''}`;
      if (version === 9) s += `|${cpp(confidence)}`;
      if (embedding) s += `|#|embedding|${embedding.map(cpp).join(',')}|`;
      return s;
    };
    const text = fc.stringMatching(/^[A-Za-z0-9 .-]{0,12}$/);

    it('reads any vehicle nvmsgconv writes, either version, with or without an embedding', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(6 as const, 9 as const),
          fc.array(text, { minLength: 6, maxLength: 6 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.option(
            fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }),
          ),
          (version, [type, make, model, color, license, region], confidence, embedding) => {
            const object = nvidiaObject(
              version,
              '957|585.25|472|659.25|562.5|Vehicle',
              [type!, make!, model!, color!, license!, region!],
              confidence,
              embedding ?? undefined,
            );
            const mapped = ok(mapDeepStreamMessage(frame([object])));
            const payload = mapped.events[0]!.payload;
            if (license!.trim() === '') {
              expect(payload.value).toMatchObject({ typeText: 'Vehicle', objectCount: 1 });
            } else {
              expect(payload.case).toBe('plateRead');
              expect((payload.value as PlateRead).plate).toBe(license!.trim());
              expect((payload.value as PlateRead).confidence).toBeCloseTo(Number(cpp(confidence)));
            }
          },
        ),
        { numRuns: 300 },
      );
    });

    it('reads any face nvmsgconv writes, either version, with or without its attributes', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(6 as const, 9 as const),
          fc.option(fc.array(text, { minLength: 9, maxLength: 9 })),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 16 }),
          (version, attrs, confidence, embedding) => {
            // gender|age|hair|cap|glasses|facialhair|name||eyecolor (nvmsgconv's double bar)
            const attributes = attrs ? [...attrs.slice(0, 7), '', attrs[8]!] : undefined;
            const object = nvidiaObject(
              version,
              '31|612.5|210.25|676.5|290.75|Face',
              attributes,
              confidence,
              embedding,
            );
            expect(face(mapDeepStreamMessage(frame([object]))).embedding).toEqual(
              embedding.map((v) => Number(cpp(v))),
            );
          },
        ),
        { numRuns: 300 },
      );
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
        fc.constantFrom(
          'full-vehicle.json',
          'full-person.json',
          'full-face.json',
          'minimal.json',
          'minimal-face.json',
          'minimal-vehicle.json',
        ),
        fc.array(fc.tuple(fc.constantFrom(...paths), scalar), { maxLength: 4 }),
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 60 }),
            // minimal-schema object strings: id|left|top|right|bottom|label|#|attributes
            fc
              .array(
                fc.oneof(
                  fc.string({ maxLength: 10 }),
                  fc.constantFrom(
                    'Vehicle',
                    'Face',
                    'face',
                    'Unknown',
                    'Person',
                    '#',
                    '',
                    '123ABC12',
                    '0.5,0.25',
                    'embedding',
                    'pose2D',
                    '0.9#',
                    'SV3DT',
                  ),
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
