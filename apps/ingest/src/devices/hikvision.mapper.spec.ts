import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AnalyticsType,
  FacePicture,
  type PlateRead,
  VehicleDirection,
  VehicleType,
} from '@kuzet/contracts';
import { STUB_JPEG } from '@kuzet/contracts/testing';
import { mapHikvisionAlert, MappedAlert } from './hikvision.mapper';
import { parseMultipart } from './multipart';

const FIXTURES = join(__dirname, '../../../../test/fixtures/hikvision');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

function ok(mapped: MappedAlert) {
  if (!mapped.ok) throw new Error(JSON.stringify(mapped.errors));
  return mapped;
}
function refused(mapped: MappedAlert) {
  if (mapped.ok) throw new Error('expected a refusal');
  return { status: mapped.status, field: mapped.errors[0]!.field, rule: mapped.errors[0]!.rule };
}

describe('mapHikvisionAlert', () => {
  it('maps an ANPR alert with its pictures to a plate read', () => {
    const plate = Buffer.from([...STUB_JPEG, 1]);
    const scene = Buffer.from([...STUB_JPEG, 2]);
    const mapped = ok(
      mapHikvisionAlert(
        fixture('anpr.xml'),
        new Map([
          ['licensePlatePicture.jpg', plate],
          ['detectionPicture.jpg', scene],
        ]),
      ),
    );
    expect(mapped.device).toEqual({
      deviceIds: ['bc:ba:c2:4e:11:0a', '10.20.0.64'],
      channel: 1,
    });
    expect(mapped.capturedAt.toISOString()).toBe('2026-12-04T15:31:07.000Z');
    expect(mapped.payload?.case).toBe('plateRead');
    const read = mapped.payload!.value as PlateRead;
    expect(read).toMatchObject({
      plate: '123ABC12',
      country: 'KZ',
      lane: 2,
      direction: VehicleDirection.APPROACHING,
      vehicleType: VehicleType.CAR,
      vehicleColour: 'white',
    });
    expect(read.confidence).toBeCloseTo(0.97);
    expect(Buffer.from(read.plateCropJpeg!)).toEqual(plate);
    expect(Buffer.from(read.overviewJpeg!)).toEqual(scene);
  });

  it('gives a retried alert the same event id, and another alert another one', () => {
    const a = ok(mapHikvisionAlert(fixture('anpr.xml')));
    const b = ok(mapHikvisionAlert(fixture('anpr.xml')));
    const c = ok(mapHikvisionAlert(fixture('anpr.xml').replace('<UUID>6f', '<UUID>7f')));
    expect(a.eventId).toBe(b.eventId);
    expect(a.eventId).not.toBe(c.eventId);
    expect(a.eventId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('maps a crowd alarm (hikvision.com namespace) to an analytics detection', () => {
    const mapped = ok(mapHikvisionAlert(fixture('crowd.xml')));
    expect(mapped.device.deviceIds[0]).toBe('bc:ba:c2:4e:11:71');
    expect(mapped.payload).toMatchObject({
      case: 'analyticsDetection',
      value: { type: AnalyticsType.CROWD, objectCount: 37, zone: '2' },
    });
  });

  it('maps field detection to intrusion and keeps an unknown alarm type as text', () => {
    const field = ok(mapHikvisionAlert(fixture('fielddetection.xml')));
    expect(field.device.channel).toBe(3);
    expect(field.payload).toMatchObject({
      case: 'analyticsDetection',
      value: { type: AnalyticsType.INTRUSION, zone: '1', confidence: 1 },
    });
    const other = ok(
      mapHikvisionAlert(fixture('fielddetection.xml').replace(/fielddetection/g, 'shipsDetection')),
    );
    expect(other.payload).toMatchObject({
      case: 'analyticsDetection',
      value: { type: AnalyticsType.UNSPECIFIED, typeText: 'shipsDetection' },
    });
  });

  it('maps a face capture with its picture to a face frame, and refuses one without', () => {
    const face = Buffer.from([...STUB_JPEG, 9]);
    const mapped = ok(mapHikvisionAlert(fixture('facecapture.xml'), new Map([['Picture', face]])));
    expect(mapped.capturedAt.toISOString()).toBe('2026-12-04T16:15:31.412Z');
    expect(mapped.payload?.case).toBe('faceFrame');
    expect(mapped.payload?.value).toMatchObject({ jpeg: face, picture: FacePicture.FACE_CROP });
    // a scene picture alone is searched as a scene, with the pyramid
    const scene = ok(
      mapHikvisionAlert(fixture('facecapture.xml'), new Map([['backgroundImage.jpg', face]])),
    );
    expect(scene.payload?.value).toMatchObject({ jpeg: face, picture: FacePicture.SCENE });
    expect(refused(mapHikvisionAlert(fixture('facecapture.xml')))).toEqual({
      status: 422,
      field: 'Picture',
      rule: 'required',
    });
  });

  it('takes an alert with line breaks before its XML declaration', () => {
    const mapped = ok(mapHikvisionAlert(`\r\n\n${fixture('crowd.xml')}`));
    expect(mapped.payload?.case).toBe('analyticsDetection');
  });

  it('takes a heartbeat (videoloss inactive) as liveness only', () => {
    const mapped = ok(mapHikvisionAlert(fixture('videoloss-heartbeat.xml')));
    expect(mapped.payload).toBeNull();
  });

  it('refuses hostile and malformed alerts with a named error', () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><EventNotificationAlert xmlns="http://www.isapi.org/ver20/XMLSchema"><eventType>&lol2;</eventType></EventNotificationAlert>`;
    expect(refused(mapHikvisionAlert(laughs))).toMatchObject({ status: 400, rule: 'doctype' });
    const deep = `<EventNotificationAlert xmlns="http://www.isapi.org/ver20/XMLSchema">${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</EventNotificationAlert>`;
    expect(refused(mapHikvisionAlert(deep))).toMatchObject({ status: 400, rule: 'depth' });
    expect(refused(mapHikvisionAlert('x'.repeat(300 * 1024)))).toMatchObject({
      status: 413,
      rule: 'max_bytes',
    });
    expect(
      refused(mapHikvisionAlert('<EventNotificationAlert><a></EventNotificationAlert>')),
    ).toMatchObject({
      status: 400,
      rule: 'xml',
    });
    const anpr = fixture('anpr.xml');
    expect(
      refused(mapHikvisionAlert(anpr.replace('http://www.isapi.org/ver20/XMLSchema', 'urn:other'))),
    ).toEqual({ status: 422, field: 'EventNotificationAlert@xmlns', rule: 'namespace' });
    expect(refused(mapHikvisionAlert(anpr.replace('<channelID>1</channelID>', '')))).toEqual({
      status: 422,
      field: 'channelID',
      rule: 'required',
    });
    expect(refused(mapHikvisionAlert(anpr.replace('+05:00</dateTime>', '</dateTime>')))).toEqual({
      status: 422,
      field: 'dateTime',
      rule: 'offset',
    });
    expect(
      refused(mapHikvisionAlert(anpr.replace('<licensePlate>123ABC12', '<licensePlate>unknown'))),
    ).toMatchObject({ field: 'ANPR.licensePlate' });
  });

  it('never throws: any text, and any mutation of a real alert, maps or names a field', () => {
    const anpr = fixture('anpr.xml');
    const check = (xml: string) => {
      const mapped = mapHikvisionAlert(xml);
      if (!mapped.ok) {
        expect(mapped.errors.length).toBeGreaterThan(0);
        expect(mapped.errors[0]!.field).not.toBe('');
      }
    };
    fc.assert(fc.property(fc.string({ maxLength: 400 }), check), { numRuns: 300 });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: anpr.length }),
        fc.integer({ min: 0, max: 40 }),
        fc.string({ maxLength: 20 }),
        (at, cut, insert) => check(anpr.slice(0, at) + insert + anpr.slice(at + cut)),
      ),
      { numRuns: 500 },
    );
  });
});

describe('parseMultipart', () => {
  it('splits a device post into the XML part and its pictures', () => {
    const boundary = 'MIME_boundary';
    const jpeg = Buffer.from([...STUB_JPEG, 0x0d, 0x0a, 0x2d, 0x2d]);
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="anpr.xml"; filename="anpr.xml"\r\nContent-Type: application/xml\r\nContent-Length: 5\r\n\r\n<a/>\n\r\n`,
      ),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="licensePlatePicture.jpg"; filename="licensePlatePicture.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      jpeg,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const parsed = parseMultipart(body, `multipart/form-data; boundary=${boundary}`);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.parts.map((p) => [p.name, p.contentType])).toEqual([
      ['anpr.xml', 'application/xml'],
      ['licensePlatePicture.jpg', 'image/jpeg'],
    ]);
    expect(parsed.parts[1]!.body).toEqual(jpeg);
  });

  it('never throws on arbitrary bodies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 30 }), (bytes, b) => {
        const r = parseMultipart(Buffer.from(bytes), `multipart/form-data; boundary=${b}`);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});
