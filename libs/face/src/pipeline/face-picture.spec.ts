import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FaceAnalysis } from '../face.types';
import { cosineSimilarity } from '../similarity';
import { FaceEngine } from '../face.engine';

const PHOTOS = join(__dirname, '../../../../test/fixtures/photos');
const FACES = join(__dirname, '../../../../test/fixtures/faces');

/** The face of `analysis` whose box centre lies inside `box`, if any. */
function faceAt(
  analysis: FaceAnalysis,
  box: { x: number; y: number; width: number; height: number },
) {
  return analysis.faces.find(({ box: b }) => {
    const cx = b.x + b.width / 2;
    const cy = b.y + b.height / 2;
    return cx > box.x && cx < box.x + box.width && cy > box.y && cy < box.y + box.height;
  });
}

describe('what a picture costs: face-capture crops and photos shrunk on load', () => {
  // through the worker pool: onnxruntime's tensors refuse typed arrays of jest's own realm
  let pipeline: FaceEngine;
  beforeAll(async () => {
    pipeline = await FaceEngine.create({ pool: { workers: 1 } });
  }, 60_000);
  afterAll(() => pipeline.close());

  it('a face-capture crop is searched with one detector pass and gives the face the pyramid gives', async () => {
    // a camera's face capture: a face of bbt1 with its head and shoulders, at 1200x1200
    const crop = await sharp(join(FACES, 'bbt1.jpg'))
      .extract({ left: 560, top: 60, width: 300, height: 300 })
      .resize(1200, 1200)
      .jpeg({ quality: 92 })
      .toBuffer();
    const asScene = await pipeline.analyze(crop, { crop: 'none' });
    const asCrop = await pipeline.analyze(crop, { crop: 'none', picture: 'face_crop' });
    expect(asScene.detectorPasses).toBeGreaterThan(1);
    expect(asCrop.detectorPasses).toBe(1);
    expect(asCrop.faces.length).toBeGreaterThanOrEqual(1);
    const primary = asCrop.faces[0]!;
    const same = faceAt(asScene, primary.box);
    expect(same).toBeDefined();
    expect(cosineSimilarity(primary, same!)).toBeGreaterThan(0.95);
  }, 60_000);

  it('a photo decoded shrunk on load for a large minimum face finds its large faces with the same embeddings', async () => {
    const photo = readFileSync(join(PHOTOS, 'sample2.jpg'));
    const full = await pipeline.analyze(photo, { crop: 'none' }); // 40 px: decoded whole
    const shrunk = await pipeline.analyze(photo, { crop: 'none', minFaceSizePx: 200 });
    expect(shrunk.width).toBe(full.width);
    expect(shrunk.height).toBe(full.height);
    const large = full.faces.filter((face) => face.box.width >= 200);
    expect(large.length).toBeGreaterThan(0);
    for (const face of large) {
      const same = faceAt(shrunk, face.box);
      expect(same).toBeDefined();
      // landmarks in the photo's own pixels, whatever scale they were found at
      expect(Math.abs(same!.landmarks[30]!.x - face.landmarks[30]!.x)).toBeLessThan(
        face.box.width / 10,
      );
      expect(cosineSimilarity(face, same!)).toBeGreaterThan(0.95);
    }
  }, 60_000);
});
