import type { AnalyzedFace, FaceAnalysis } from '../face.types';
import { transferableBuffers } from './worker-protocol';

const face = (overrides: Partial<AnalyzedFace>): AnalyzedFace => ({
  box: { x: 0, y: 0, width: 10, height: 10 },
  score: 0.9,
  landmarks: [],
  quality: {
    score: 0.9,
    faceWidthPx: 10,
    interocularPx: 4,
    yawDeg: 0,
    pitchDeg: 0,
    rollDeg: 0,
    sharpness: 100,
    liveness: null,
    passed: true,
    reasons: [],
  },
  embedding: new Float32Array(512),
  modelId: 'model',
  modelVersion: '1',
  alignedCropJpeg: Buffer.alloc(0),
  alignedCrop: null,
  ...overrides,
});

const analysis = (faces: AnalyzedFace[]): FaceAnalysis => ({
  width: 100,
  height: 100,
  faces,
  detectorPasses: 1,
  timings: {
    decodeMs: 0,
    detectMs: 0,
    landmarksMs: 0,
    alignMs: 0,
    embedMs: 0,
    qualityMs: 0,
    encodeMs: 0,
    totalMs: 0,
  },
});

describe('transferableBuffers', () => {
  it('moves each embedding and raw crop that owns its whole buffer', () => {
    const crop = { width: 112, height: 112, channels: 3 as const, data: new Uint8Array(37_632) };
    const first = face({ alignedCrop: crop });
    const second = face({});
    const buffers = transferableBuffers(analysis([first, second]));
    // Compared by identity: these are the very buffers to move.
    expect(buffers).toHaveLength(3);
    expect(buffers[0]).toBe(first.embedding.buffer);
    expect(buffers[1]).toBe(crop.data.buffer);
    expect(buffers[2]).toBe(second.embedding.buffer);
  });

  it('leaves views into larger buffers and Node Buffers to structured cloning', () => {
    const shared = new Float32Array(1024);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff]);
    const buffers = transferableBuffers(
      analysis([
        face({ embedding: shared.subarray(0, 512), alignedCropJpeg: jpeg }),
        face({
          embedding: shared.subarray(512),
          alignedCrop: { width: 1, height: 1, channels: 3, data: Buffer.alloc(3) },
        }),
      ]),
    );
    expect(buffers).toHaveLength(0);
  });

  it('is empty without faces', () => {
    expect(transferableBuffers(analysis([]))).toHaveLength(0);
  });
});
