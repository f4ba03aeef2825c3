import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encodeCameraEvent, FieldError, timestampFromMs } from '@kuzet/contracts';
import { samplePlateReadEvent } from '@kuzet/contracts/testing';
import { parseRegionFile } from '@kuzet/registry';
import { IngestHarness, REGION_FILE, startIngest } from '../ingest/ingest-app';
import { jsonHeaders, publishedIds, readable } from '../ingest/sample-events';
import { eventually } from '../support/transports';
import { cameraEventToJson } from '@kuzet/contracts';

const ALL_DISTRICTS = parseRegionFile(
  REGION_FILE,
  readFileSync(REGION_FILE, 'utf8'),
).centres.flatMap((centre) => centre.districts.map((district) => district.id));

function plateRead(change: (json: Record<string, Record<string, unknown>>) => void = () => {}) {
  const event = samplePlateReadEvent(new Date());
  event.eventId = randomUUID();
  event.capturedAt = timestampFromMs(Date.now() - 1_000);
  const json = cameraEventToJson(event) as unknown as Record<string, Record<string, unknown>> & {
    eventId: string;
  };
  change(json);
  return json;
}

/** Plate reads through the HTTP ingest onto the real broker: JSON and protobuf, the key's
 * scope, idempotent retries, and field-level refusals that leave the rest of a batch alone. */
describe('plate reads over the HTTP ingest', () => {
  let h: IngestHarness;
  let key: string;

  beforeAll(async () => {
    h = await startIngest();
    const created = await h.admin('POST', '/v1/api-keys', {
      integrator_id: 'anpr-vendor',
      label: 'every district',
      district_ids: ALL_DISTRICTS,
    });
    expect(created.statusCode).toBe(201);
    key = created.json<{ key: string }>().key;
  });

  afterAll(async () => h?.close());

  const post = (payload: unknown, headers = jsonHeaders(key)) =>
    h.request({
      method: 'POST',
      url: '/v1/events',
      headers,
      payload: Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
    });

  it('publishes a JSON plate read keyed by camera, once however often it is retried', async () => {
    const read = plateRead();
    expect((await post(read)).statusCode).toBe(202);
    expect((await post(read)).statusCode).toBe(202);
    await eventually(() => publishedIds(h.published).includes(read.eventId), 'the read', 60_000);
    const records = readable(h.published).filter(({ event }) => event.eventId === read.eventId);
    expect(records).toHaveLength(1);
    const { record, event } = records[0]!;
    expect(record.key).toBe('aktau-cam-0003');
    expect(event.payload.case).toBe('plateRead');
    expect(event.sourceId).toBe('anpr-vendor');
  });

  it('takes a protobuf plate read', async () => {
    const event = samplePlateReadEvent(new Date());
    event.eventId = randomUUID();
    const response = await post(Buffer.from(encodeCameraEvent(event)), {
      'x-api-key': key,
      'content-type': 'application/x-protobuf',
    });
    expect(response.statusCode).toBe(202);
    await eventually(() => publishedIds(h.published).includes(event.eventId), 'the read', 60_000);
  });

  it('refuses absurd reads naming the field and the rule, and publishes the rest of the batch', async () => {
    const good = plateRead();
    const bad = [
      plateRead((j) => (j['plateRead']!['plate'] = ' - - ')),
      plateRead((j) => (j['plateRead']!['plate'] = 'A'.repeat(40))),
      plateRead((j) => (j['plateRead']!['plate'] = '123ABЖ12')),
      plateRead((j) => (j['plateRead']!['confidence'] = 1.2)),
      plateRead(
        (j) => (j['plateRead']!['plateCropJpeg'] = Buffer.from('GIF89a').toString('base64')),
      ),
      plateRead((j) => (j['plateRead']!['plate'] = '123\u0007ABC12')),
      plateRead((j) => (j['plateRead']!['confidence'] = -0.01)),
      plateRead(
        (j) => (j['plateRead']!['overviewJpeg'] = Buffer.from('<svg/>').toString('base64')),
      ),
      // a JPEG's first bytes, then more than the 0.5 MiB a crop may have
      plateRead(
        (j) =>
          (j['plateRead']!['plateCropJpeg'] = Buffer.concat([
            Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
            Buffer.alloc(600 * 1024),
          ]).toString('base64')),
      ),
    ];
    for (const j of bad) delete j['plateRead']!['characterConfidences'];
    // a confidence per character, one of them outside 0..1
    const badCharacter = plateRead((j) => {
      j['plateRead']!['plate'] = '123ABC12';
      j['plateRead']!['characterConfidences'] = [1, 1, 1, 1.5, 1, 1, 1, 1];
    });
    bad.push(badCharacter);
    const response = await post({ events: [...bad, good] });
    const body = response.json<{
      results: { index: number; status: string; errors?: FieldError[] }[];
    }>();
    const rejected = body.results
      .filter((r) => r.errors)
      .map((r) => r.errors!.map((e) => `${r.index}:${e.field}:${e.rule}`))
      .flat();
    expect(rejected).toEqual([
      '0:payload.plate_read.plate:charset',
      '1:payload.plate_read.plate:length',
      '2:payload.plate_read.plate:mixed_script',
      '3:payload.plate_read.confidence:range',
      '4:payload.plate_read.plate_crop_jpeg:jpeg',
      '5:payload.plate_read.plate:charset',
      '6:payload.plate_read.confidence:range',
      '7:payload.plate_read.overview_jpeg:jpeg',
      '8:payload.plate_read.plate_crop_jpeg:max_bytes',
      '9:payload.plate_read.character_confidences[3]:range',
    ]);
    await eventually(
      () => publishedIds(h.published).includes(good.eventId),
      'the good read',
      60_000,
    );
    const ids = publishedIds(h.published);
    for (const j of bad) expect(ids).not.toContain(j.eventId);
  });
});
