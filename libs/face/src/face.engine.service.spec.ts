import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { register } from 'prom-client';
import sharp from 'sharp';
import { FaceEngine } from './face.engine';
import { FaceEngineUnavailableError, ImageDecodeError } from './face.errors';
import type { FaceAnalysis } from './face.types';
import { cosineSimilarity } from './similarity';

const FIXTURES = join(__dirname, '../../../test/fixtures/faces');
const read = (relative: string): Buffer => readFileSync(join(FIXTURES, relative));

async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = register.getSingleMetric(name);
  if (metric === undefined) return 0;
  const data = await metric.get();
  return (
    data.values.find((value) =>
      Object.entries(labels).every(([key, label]) => value.labels[key] === label),
    )?.value ?? 0
  );
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

interface LabelledFace {
  readonly name: string | null;
  readonly centre: readonly [number, number];
}
const groupLabels = JSON.parse(readFileSync(join(FIXTURES, 'group-photos.json'), 'utf8')) as {
  photos: Record<string, LabelledFace[]>;
};

/**
 * The group photos shrunk until their faces are 28-47 px wide (most about 40), laid out on a 1920x1080
 * frame, with where each enrolled person's face centre ends up.
 */
async function smallFacesFrame(): Promise<{
  frame: Buffer;
  centres: Array<{ x: number; y: number }>;
}> {
  const layout = [
    { file: 'bbt1.jpg', scale: 0.42, left: 0, top: 0 },
    { file: 'bbt3.jpg', scale: 0.75, left: 600, top: 0 },
    { file: 'bbt4.jpg', scale: 0.45, left: 1100, top: 0 },
    { file: 'bbt5.jpg', scale: 0.5, left: 0, top: 500 },
    { file: 'bbt2.jpg', scale: 0.5, left: 520, top: 500 },
    { file: 'bbt4.jpg', scale: 0.4, left: 900, top: 450 },
    { file: 'bbt3.jpg', scale: 0.7, left: 1250, top: 600 },
  ];
  const centres: Array<{ x: number; y: number }> = [];
  const layers = await Promise.all(
    layout.map(async ({ file, scale, left, top }) => {
      const { width = 0, height = 0 } = await sharp(read(file)).metadata();
      for (const face of groupLabels.photos[file]!) {
        if (face.name !== null)
          centres.push({ x: left + face.centre[0] * scale, y: top + face.centre[1] * scale });
      }
      return {
        input: await sharp(read(file))
          .resize(Math.round(width * scale), Math.round(height * scale))
          .toBuffer(),
        left,
        top,
      };
    }),
  );
  const frame = await sharp({
    create: { width: 1920, height: 1080, channels: 3, background: '#445' },
  })
    .composite(layers)
    .jpeg({ quality: 90 })
    .toBuffer();
  return { frame, centres };
}

describe('FaceEngine as a service component', () => {
  let engine: FaceEngine;

  beforeAll(async () => {
    engine = await FaceEngine.create({ pool: { workers: 2 } });
  }, 60_000);

  afterAll(() => engine.close());

  it('finds faces about 40 px wide in a 1920x1080 frame, thanks to the tiled pyramid', async () => {
    const { frame, centres } = await smallFacesFrame();
    const contains = (analysis: FaceAnalysis, { x, y }: { x: number; y: number }): boolean =>
      analysis.faces.some(
        ({ box }) => x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height,
      );

    const tiled = await engine.analyze(frame);
    expect(tiled.detectorPasses).toBe(7);
    expect(centres).toHaveLength(33);
    expect(centres.filter((centre) => contains(tiled, centre))).toHaveLength(33);

    // The whole frame alone (320x180 at the detector) shows such a face 7 px wide: most are lost.
    const wholeFrameOnly = await engine.analyze(frame, { minFaceSizePx: 200 });
    expect(wholeFrameOnly.detectorPasses).toBe(1);
    expect(centres.filter((centre) => contains(wholeFrameOnly, centre)).length).toBeLessThan(28);
  });

  it('keeps the caller event loop free while the workers analyse', async () => {
    const frame = await sharp(read('bbt1.jpg')).resize(1920, 1080).jpeg().toBuffer();
    await engine.analyze(frame);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const results = await Promise.all(Array.from({ length: 8 }, () => engine.analyze(frame)));
    delay.disable();
    const slowestImageMs = Math.max(...results.map((result) => result.timings.totalMs));
    // Inference on the event loop would stall it for at least one image's analysis time.
    expect(delay.max / 1e6).toBeLessThan(slowestImageMs / 2);
  });

  it('honours EXIF orientation: a rotated-tagged photo gives the same face', async () => {
    const upright = await sharp(read('bbt3.jpg')).jpeg({ quality: 95 }).toBuffer();
    // Store the pixels turned 90° anticlockwise and tag them "rotate 90° clockwise to display" (6).
    const taggedSideways = await sharp(upright)
      .rotate(-90)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    const [a, b] = await Promise.all([engine.analyze(upright), engine.analyze(taggedSideways)]);
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    expect(b.faces).toHaveLength(a.faces.length);
    expect(cosineSimilarity(a.faces[0]!, b.faces[0]!)).toBeGreaterThan(0.9);
  });

  it('counts quality rejections by reason in prom-client', async () => {
    const before = {
      blurry: await counterValue('kuzet_face_rejected_total', { reason: 'blurry' }),
      yaw: await counterValue('kuzet_face_rejected_total', { reason: 'yaw' }),
      rejectedFaces: await counterValue('kuzet_face_faces_total', { result: 'rejected' }),
    };
    const analysis = await engine.analyze(read('bbt2.jpg'));
    const reasons = analysis.faces.flatMap((face) => face.quality.reasons);
    expect(reasons).toEqual(expect.arrayContaining(['blurry', 'yaw']));
    expect(await counterValue('kuzet_face_rejected_total', { reason: 'blurry' })).toBe(
      before.blurry + reasons.filter((r) => r === 'blurry').length,
    );
    expect(await counterValue('kuzet_face_rejected_total', { reason: 'yaw' })).toBe(
      before.yaw + reasons.filter((r) => r === 'yaw').length,
    );
    expect(await counterValue('kuzet_face_faces_total', { result: 'rejected' })).toBe(
      before.rejectedFaces + analysis.faces.filter((face) => !face.quality.passed).length,
    );
    expect(await register.getSingleMetricAsString('kuzet_face_rejected_total')).toContain(
      'reason="not_live"',
    );
  });

  it('answers bad input with typed errors, counts them, and keeps working', async () => {
    const jpeg = read('bbt1.jpg');
    const onePixel = await sharp({
      create: { width: 1, height: 1, channels: 3, background: '#000' },
    })
      .png()
      .toBuffer();
    const cases: Array<[Buffer, string]> = [
      [Buffer.alloc(0), 'empty'],
      [jpeg.subarray(0, jpeg.length >> 1), 'truncated'],
      [onePixel, 'too_small'],
      [Buffer.from('%PDF-1.4\n%%EOF\n'), 'unsupported_format'],
      [Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 31) % 256)), 'unsupported_format'],
    ];
    const emptyBefore = await counterValue('kuzet_face_image_errors_total', { code: 'empty' });
    for (const [bytes, code] of cases) {
      const error = await rejection(engine.analyze(bytes));
      expect(error).toBeInstanceOf(ImageDecodeError);
      expect((error as ImageDecodeError).code).toBe(code);
    }
    expect(await counterValue('kuzet_face_image_errors_total', { code: 'empty' })).toBe(
      emptyBefore + 1,
    );
    expect((await engine.analyze(read('raj/raj1.png'))).faces).toHaveLength(1);
  });

  it("accepts a view into a larger buffer and leaves the caller's buffer intact", async () => {
    const jpeg = read('bbt3.jpg');
    const surrounding = Buffer.concat([Buffer.alloc(4096, 1), jpeg, Buffer.alloc(4096, 2)]);
    const view = surrounding.subarray(4096, 4096 + jpeg.length);
    expect((await engine.analyze(view)).faces).toHaveLength(5);
    expect(surrounding.buffer.byteLength).toBeGreaterThanOrEqual(surrounding.length);
    expect(view.equals(jpeg)).toBe(true);
  });

  it('gives up on an image after its timeout, replaces the worker, and carries on', async () => {
    const restartsBefore = engine.stats().restarts;
    const error = await rejection(engine.analyze(read('bbt1.jpg'), { timeoutMs: 1 }));
    expect(error).toBeInstanceOf(FaceEngineUnavailableError);
    expect((error as FaceEngineUnavailableError).code).toBe('timeout');
    const next = await engine.analyze(read('bbt3.jpg'));
    expect(next.faces).toHaveLength(5);
    expect(engine.stats().restarts).toBe(restartsBefore + 1);
  });

  it('refuses work beyond its queue limit and after it is closed', async () => {
    const small = await FaceEngine.create({ pool: { workers: 1, maxQueue: 2 } });
    const image = read('bbt4.jpg');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, () => small.analyze(image)),
    );
    const overloaded = outcomes.filter(
      (outcome) =>
        outcome.status === 'rejected' &&
        (outcome.reason as FaceEngineUnavailableError).code === 'overloaded',
    );
    // One image runs, two wait, the rest are refused at once.
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(3);
    expect(overloaded).toHaveLength(3);

    const pending = rejection(small.analyze(image));
    await small.close();
    expect(((await pending) as FaceEngineUnavailableError).code).toBe('closed');
    expect(((await rejection(small.analyze(image))) as FaceEngineUnavailableError).code).toBe(
      'closed',
    );
  });
});
