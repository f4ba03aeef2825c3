/** Public shapes of the face engine. Pixel coordinates are in the decoded,
 * EXIF-rotated image: x to the right, y down, origin at the top-left corner. */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export type QualityRejectionReason =
  'low_score' | 'too_small' | 'yaw' | 'pitch' | 'blurry' | 'not_live';

export const QUALITY_REJECTION_REASONS: readonly QualityRejectionReason[] = Object.freeze([
  'low_score',
  'too_small',
  'yaw',
  'pitch',
  'blurry',
  'not_live',
]);

export interface FaceQuality {
  /** Detector confidence, 0..1. */
  readonly score: number;
  /** Width of the detected box in source pixels. */
  readonly faceWidthPx: number;
  /** Distance between the eye centres in source pixels. */
  readonly interocularPx: number;
  /** Estimated head rotations in degrees from the 68 landmarks (coarse: about ±10°). */
  readonly yawDeg: number;
  readonly pitchDeg: number;
  readonly rollDeg: number;
  /** Variance of the Laplacian of the 112x112 aligned grey crop; higher is sharper. */
  readonly sharpness: number;
  /** Probability that the face is live (fr_liveness), only when liveness is enabled. */
  readonly liveness: number | null;
  readonly passed: boolean;
  readonly reasons: readonly QualityRejectionReason[];
}

export interface ModelIdentity {
  readonly modelId: string;
  readonly modelVersion: string;
}

export interface AnalyzedFace extends ModelIdentity {
  readonly box: Box;
  readonly score: number;
  /** The 68 iBUG landmarks (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67). */
  readonly landmarks: readonly Point[];
  readonly quality: FaceQuality;
  /** L2-normalised 512-d embedding; compare with cosine similarity. */
  readonly embedding: Float32Array;
  /** The 112x112 ArcFace-aligned crop the embedding was computed from, as JPEG. */
  readonly alignedCropJpeg: Buffer;
}

export interface StageTimings {
  readonly decodeMs: number;
  readonly detectMs: number;
  readonly landmarksMs: number;
  readonly alignMs: number;
  readonly embedMs: number;
  readonly qualityMs: number;
  /** Waiting for the aligned crops' JPEG encoding, which overlaps the embedding runs. */
  readonly encodeMs: number;
  readonly totalMs: number;
}

export interface FaceAnalysis {
  readonly width: number;
  readonly height: number;
  /** Primary face first: highest detector score, then largest box. */
  readonly faces: readonly AnalyzedFace[];
  /** How many detector passes (pyramid levels and tiles) the image needed. */
  readonly detectorPasses: number;
  readonly timings: StageTimings;
}

export interface AnalyzeOptions {
  /** Keep at most this many faces (the best first). Default: all. */
  readonly maxFaces?: number;
  /** Smallest face width in pixels the detector must still find; drives tiling. */
  readonly minFaceSizePx?: number;
  /** Run fr_liveness and gate on it for this call. */
  readonly liveness?: boolean;
  /** Set false to skip the JPEG encoding of the aligned crop (alignedCropJpeg is then empty). */
  readonly includeAlignedCrop?: boolean;
  /** Give up on this image after this long (default: the pool's taskTimeoutMs); its worker is replaced. */
  readonly timeoutMs?: number;
}

export interface EmbeddingWithModel extends ModelIdentity {
  readonly embedding: Float32Array;
}
