import { CONTRACT_LIMITS, contractLimits } from './limits';

describe('CONTRACT_LIMITS', () => {
  it('holds the documented defaults', () => {
    expect(CONTRACT_LIMITS).toMatchObject({
      maxFutureSkewMs: 5 * 60_000,
      cameraEventMaxAgeMs: 30 * 24 * 3_600_000,
      embeddingLength: 512,
      maxJpegBytes: 4 * 1024 * 1024,
      maxMessageBytes: 5 * 1024 * 1024,
      maxIdLength: 128,
    });
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CONTRACT_LIMITS)).toBe(true);
    expect(() => {
      (CONTRACT_LIMITS as { embeddingLength: number }).embeddingLength = 128;
    }).toThrow(TypeError);
  });

  it('is overridden by contractLimits() without being changed', () => {
    const limits = contractLimits({ embeddingLength: 128 });
    expect(limits.embeddingLength).toBe(128);
    expect(limits.maxJpegBytes).toBe(CONTRACT_LIMITS.maxJpegBytes);
    expect(Object.isFrozen(limits)).toBe(true);
    expect(CONTRACT_LIMITS.embeddingLength).toBe(512);
  });
});
