import { clone, create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import { CameraEventSchema, type CameraEvent } from '../gen/kuzet/v1/camera_event_pb';
import type { PlateRead, VehicleDirection } from '../gen/kuzet/v1/plate_read_pb';
import { VehicleHitSchema, VehicleMatchKind } from '../gen/kuzet/v1/vehicle_hit_pb';
import {
  VehicleListChangeKind,
  VehicleListChangeSchema,
  VehicleMatchPolicy,
} from '../gen/kuzet/v1/vehicle_list_change_pb';
import { arbPlateRead } from '../testing/arbitraries';
import { samplePlateReadEvent, STUB_JPEG } from '../testing/samples';
import {
  cameraEventFromJson,
  cameraEventToJson,
  decodeCameraEvent,
  decodeVehicleHit,
  decodeVehicleListChange,
  encodeCameraEvent,
  encodeVehicleHit,
  encodeVehicleListChange,
} from './api';
import { validateCameraEvent } from './camera-event';
import { NOW } from './test-helpers';
import { plateScript, validateVehicleHit, validateVehicleListChange } from './vehicle';

function withRead(change: (read: PlateRead) => void): CameraEvent {
  const event = clone(CameraEventSchema, samplePlateReadEvent(NOW));
  if (event.payload.case !== 'plateRead') throw new Error('sample is a plate read');
  change(event.payload.value);
  return event;
}

const errorsOf = (change: (read: PlateRead) => void) =>
  validateCameraEvent(withRead(change), NOW).map((e) => `${e.field}:${e.rule}`);

describe('PlateRead validation', () => {
  it('accepts the sample over protobuf and proto3 JSON', () => {
    const event = samplePlateReadEvent(NOW);
    expect(validateCameraEvent(event, NOW)).toEqual([]);
    expect(decodeCameraEvent(encodeCameraEvent(event), NOW).ok).toBe(true);
    const json = cameraEventToJson(event) as Record<string, unknown>;
    expect(json['plateRead']).toMatchObject({ plate: '123 ABC 12', country: 'KZ' });
    expect(cameraEventFromJson(json, NOW).ok).toBe(true);
  });

  it.each([
    ['empty', '', 'payload.plate_read.plate:required'],
    ['only separators', ' - -', 'payload.plate_read.plate:charset'],
    ['40 characters', '1'.repeat(40), 'payload.plate_read.plate:length'],
    ['a control character', '123\u0007ABC12', 'payload.plate_read.plate:charset'],
    [
      'Latin mixed with Cyrillic beyond the look-alikes',
      '123ABЖ12',
      'payload.plate_read.plate:mixed_script',
    ],
    ['Latin mixed with Greek', '123ABΩ12', 'payload.plate_read.plate:mixed_script'],
    ['Arabic with Cyrillic look-alikes', '123ص12А', 'payload.plate_read.plate:mixed_script'],
  ])('rejects a plate that is %s, naming the field and the rule', (_what, plate, expected) => {
    expect(
      errorsOf((r) => {
        r.plate = plate;
        r.characterConfidences = [];
      }),
    ).toEqual([expected]);
  });

  it('accepts Cyrillic look-alikes in a Latin plate, an all-Cyrillic plate and a digits-only plate', () => {
    for (const plate of ['123 АВС 12', '123ABС12', 'А123ЖК', '7777']) {
      expect(
        errorsOf((r) => {
          r.plate = plate;
          r.characterConfidences = [];
        }),
      ).toEqual([]);
    }
  });

  it.each([
    [
      'confidence above 1',
      (r: PlateRead) => (r.confidence = 1.5),
      'payload.plate_read.confidence:range',
    ],
    [
      'confidence below 0',
      (r: PlateRead) => (r.confidence = -0.1),
      'payload.plate_read.confidence:range',
    ],
    [
      'NaN confidence',
      (r: PlateRead) => (r.confidence = NaN),
      'payload.plate_read.confidence:finite',
    ],
    [
      'a per-character confidence outside 0..1',
      (r: PlateRead) => (r.characterConfidences[3] = 2),
      'payload.plate_read.character_confidences[3]:range',
    ],
    [
      'per-character confidences not one per character',
      (r: PlateRead) => r.characterConfidences.pop(),
      'payload.plate_read.character_confidences:length',
    ],
    [
      'a lower-case country',
      (r: PlateRead) => (r.country = 'kz'),
      'payload.plate_read.country:charset',
    ],
    [
      'an unknown direction',
      (r: PlateRead) => (r.direction = 9 as VehicleDirection),
      'payload.plate_read.direction:enum',
    ],
    ['lane 0', (r: PlateRead) => (r.lane = 0), 'payload.plate_read.lane:range'],
    ['speed 900', (r: PlateRead) => (r.speedKmh = 900), 'payload.plate_read.speed_kmh:range'],
    [
      'a crop that is not a JPEG',
      (r: PlateRead) => (r.plateCropJpeg = Uint8Array.of(0x89, 0x50, 0x4e, 0x47)),
      'payload.plate_read.plate_crop_jpeg:jpeg',
    ],
    [
      'an overview over 4 MiB',
      (r: PlateRead) => {
        const big = new Uint8Array(4 * 1024 * 1024 + 1);
        big.set(STUB_JPEG);
        r.overviewJpeg = big;
      },
      'payload.plate_read.overview_jpeg:max_bytes',
    ],
    [
      'a colour with a control character',
      (r: PlateRead) => (r.vehicleColour = 'white\u0000'),
      'payload.plate_read.vehicle_colour:charset',
    ],
    [
      'a reference with a line break',
      (r: PlateRead) => (r.overviewRef = 'https://a\nb'),
      'payload.plate_read.overview_ref:charset',
    ],
  ])('rejects %s', (_what, change, expected) => {
    expect(errorsOf(change)).toEqual([expected]);
  });

  it('valid reads validate and round-trip through binary and JSON (1,000 runs)', () => {
    fc.assert(
      fc.property(arbPlateRead(), (read) => {
        const event = create(CameraEventSchema, {
          eventId: '6b4fc3a4-9c70-4d81-a4d6-708192a3b4c5',
          cameraId: 'cam-1',
          capturedAt: timestampFromMs(NOW.getTime() - 1_000),
          payload: { case: 'plateRead', value: read },
        });
        expect(validateCameraEvent(event, NOW)).toEqual([]);
        const decoded = decodeCameraEvent(encodeCameraEvent(event), NOW);
        expect(decoded.ok).toBe(true);
        expect(cameraEventFromJson(cameraEventToJson(event), NOW).ok).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('any plate with a control character, or longer than 16 characters, is refused (2,000 runs)', () => {
    const control = fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c));
    const bad = fc.oneof(
      fc
        .tuple(fc.string({ maxLength: 7 }), control, fc.string({ maxLength: 7 }))
        .map((p) => p.join('')),
      fc.string({ minLength: 17, maxLength: 60 }).filter((s) => [...s].length > 16),
    );
    fc.assert(
      fc.property(bad, (plate) => {
        const errors = errorsOf((r) => {
          r.plate = plate;
          r.characterConfidences = [];
        });
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.every((e) => e.startsWith('payload.plate_read.plate:'))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('names one script per plate, or none when they mix', () => {
    expect(plateScript('123ABC12')).toBe('Latin');
    expect(plateScript('123АВС12')).toBe('Latin');
    expect(plateScript('А123ЖК')).toBe('Cyrillic');
    expect(plateScript('1234')).toBeNull();
    expect(plateScript('12ЖA')).toBeUndefined();
  });
});

describe('VehicleListChange and VehicleHit', () => {
  const change = () =>
    create(VehicleListChangeSchema, {
      entryId: 'entry-1',
      kind: VehicleListChangeKind.UPSERTED,
      listId: 'list-1',
      plate: '123ABC12',
      category: 'stolen',
      priority: 80,
      matchPolicy: VehicleMatchPolicy.CONFUSION,
      version: 1n,
      occurredAt: timestampFromMs(NOW.getTime() - 1_000),
    });
  const hit = () =>
    create(VehicleHitSchema, {
      hitId: '7c50d4b5-ad81-4e92-b5e7-8192a3b4c5d6',
      eventId: '6b4fc3a4-9c70-4d81-a4d6-708192a3b4c5',
      cameraId: 'aktau-anpr-0007',
      plateRead: '123 ABC 12',
      plateNormalised: '123ABC12',
      plateListed: '123ABC12',
      entryId: 'entry-1',
      listId: 'list-1',
      matchKind: VehicleMatchKind.EXACT,
      confidence: 0.9,
      category: 'stolen',
      priority: 80,
      capturedAt: timestampFromMs(NOW.getTime() - 2_000),
      matchedAt: timestampFromMs(NOW.getTime() - 1_000),
      sightingCount: 1,
    });

  it('accept valid messages and round-trip them', () => {
    expect(validateVehicleListChange(change(), NOW)).toEqual([]);
    expect(decodeVehicleListChange(encodeVehicleListChange(change()), NOW).ok).toBe(true);
    expect(validateVehicleHit(hit(), NOW)).toEqual([]);
    expect(decodeVehicleHit(encodeVehicleHit(hit()), NOW).ok).toBe(true);
  });

  it('name each broken field', () => {
    const c = change();
    c.plate = '123 abc';
    c.category = 'Stolen!';
    c.version = 0n;
    expect(validateVehicleListChange(c, NOW).map((e) => `${e.field}:${e.rule}`)).toEqual([
      'plate:charset',
      'category:charset',
      'version:range',
    ]);
    const h = hit();
    h.position = 2;
    h.matchedAt = timestampFromMs(NOW.getTime() - 3_000);
    expect(validateVehicleHit(h, NOW).map((e) => `${e.field}:${e.rule}`)).toEqual([
      'position:range',
      'matched_at:time_order',
    ]);
  });

  it('a removal needs no plate', () => {
    const c = change();
    c.kind = VehicleListChangeKind.REMOVED;
    c.plate = '';
    c.category = '';
    expect(validateVehicleListChange(c, NOW)).toEqual([]);
  });
});
