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
  /** The 112x112 ArcFace-aligned crop the embedding was computed from, as JPEG; empty unless the
   * analysis asked for `crop: 'jpeg'` (the default). */
  readonly alignedCropJpeg: Buffer;
  /** The same crop as raw RGB pixels when the analysis asked for `crop: 'raw'`, else null. Encode it
   * only when it is needed (a hit) with `encodeAlignedCrop` or `FaceEngine.cropJpeg`. */
  readonly alignedCrop: AlignedCrop | null;
}

/** What `analyze` returns of each face's aligned crop: a JPEG (`alignedCropJpeg`, the default), the raw
 * pixels (`alignedCrop`, about 37 KB, no encoding cost), or nothing. */
export type AlignedCropFormat = 'jpeg' | 'raw' | 'none';

export const ALIGNED_CROP_FORMATS: readonly AlignedCropFormat[] = Object.freeze([
  'jpeg',
  'raw',
  'none',
]);

/** A 112x112 aligned face as interleaved 8-bit RGB, rows top to bottom, no padding. */
export interface AlignedCrop {
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
  readonly data: Uint8Array;
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
  /** What the picture is (default 'scene'): a scene frame or photo is searched with the tiled pyramid
   * down to `minFaceSizePx`; a face-capture picture (a camera's face crop, the face filling most of
   * it) gets one detector pass over the whole picture. */
  readonly picture?: FacePicture;
  /** Run fr_liveness and gate on it for this call. */
  readonly liveness?: boolean;
  /** How each face's aligned crop comes back (default 'jpeg'). A service that keeps the crop only for
   * some faces (the matcher: hits only) should ask for 'raw' and encode those few itself: the JPEG
   * encoding is otherwise paid for every face. */
  readonly crop?: AlignedCropFormat;
  /** Older form of `crop`: false means `crop: 'none'`. Ignored when `crop` is given.
   * @deprecated use `crop`. */
  readonly includeAlignedCrop?: boolean;
  /** Give up on this image after this long (default: the pool's taskTimeoutMs); its worker is replaced. */
  readonly timeoutMs?: number;
}

export type FacePicture = 'scene' | 'face_crop';

export const FACE_PICTURES: readonly FacePicture[] = Object.freeze(['scene', 'face_crop']);

export interface EmbeddingWithModel extends ModelIdentity {
  readonly embedding: Float32Array;
}
