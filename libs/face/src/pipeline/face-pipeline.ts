import { performance } from 'node:perf_hooks';
import type { FaceEngineConfig } from '../face.config';
import type {
  AlignedCrop,
  AlignedCropFormat,
  AnalyzeOptions,
  AnalyzedFace,
  FaceAnalysis,
  ModelIdentity,
  Point,
} from '../face.types';
import { decodeImage, resizeRgb } from '../image/decode-image';
import { encodeAlignedCrop } from '../image/encode-crop';
import type { RgbImage } from '../image/rgb-image';
import { ALIGNED_FACE_SIZE, fivePointsFrom68 } from './alignment';
import {
  clipBox,
  comparePrimaryFirst,
  Detection,
  DETECTOR_INPUT_HEIGHT,
  DETECTOR_INPUT_WIDTH,
  levelSize,
  nonMaximumSuppression,
  planDetectorPasses,
  runDetectorPass,
} from './detector';
import { alignFace, embedAlignedFace } from './embedder';
import { detectLandmarks } from './landmarks';
import { estimateLiveness } from './liveness';
import { LoadedModel, loadModel } from './models';
import { estimateHeadPose, judgeQuality, laplacianVariance } from './quality';

export interface FacePipelineModels {
  readonly detector: ModelIdentity;
  readonly landmarks: ModelIdentity;
  readonly embedding: ModelIdentity;
  readonly liveness: ModelIdentity | null;
}

/**
 * The whole face pipeline in the calling thread: decode, tiled detection, landmarks, alignment,
 * embedding, quality. It blocks its thread while the models run; services reach it through the
 * worker pool (FaceEngine), never directly on the event loop.
 */
export class FacePipeline {
  private constructor(
    private readonly config: FaceEngineConfig,
    private readonly detector: LoadedModel,
    private readonly landmarker: LoadedModel,
    private readonly embedder: LoadedModel,
    private readonly liveness: LoadedModel | null,
  ) {}

  static async create(
    config: FaceEngineConfig,
    options: { loadLiveness?: boolean } = {},
  ): Promise<FacePipeline> {
    const [detector, landmarker, embedder, liveness] = await Promise.all([
      loadModel('fr_detect'),
      loadModel('fr_landmark'),
      loadModel('fr_feature'),
      (options.loadLiveness ?? true) ? loadModel('fr_liveness') : Promise.resolve(null),
    ]);
    return new FacePipeline(config, detector, landmarker, embedder, liveness);
  }

  get models(): FacePipelineModels {
    return {
      detector: this.detector.identity,
      landmarks: this.landmarker.identity,
      embedding: this.embedder.identity,
      liveness: this.liveness?.identity ?? null,
    };
  }

  async analyze(bytes: Uint8Array, options: AnalyzeOptions = {}): Promise<FaceAnalysis> {
    const started = performance.now();
    const image = await decodeImage(bytes, this.config.decode);
    const decoded = performance.now();

    const passes = planDetectorPasses(
      image.width,
      image.height,
      options.minFaceSizePx ?? this.config.detection.minFaceSizePx,
      this.config.detection,
    );
    const levels = await buildPyramid(
      image,
      passes.map((pass) => pass.scale),
    );
    // One input buffer for all passes of this image (ONNX Runtime copies it during each run).
    const detectorInputBuffer = new Float32Array(3 * DETECTOR_INPUT_WIDTH * DETECTOR_INPUT_HEIGHT);
    const candidates: Detection[] = [];
    for (const pass of passes) {
      candidates.push(
        ...(await runDetectorPass(
          this.detector.session,
          levels.get(pass.scale)!,
          pass,
          image,
          this.config.detection,
          detectorInputBuffer,
        )),
      );
    }
    const detections = nonMaximumSuppression(candidates, this.config.detection.nmsIouThreshold)
      .sort(comparePrimaryFirst)
      .slice(0, options.maxFaces ?? Number.POSITIVE_INFINITY);
    const detected = performance.now();

    const useLiveness =
      (options.liveness ?? this.config.liveness.enabled) && this.liveness !== null;
    const cropFormat = resolveCropFormat(options);
    // Stage by stage over all faces, so each stage is timed once per image.
    let mark = performance.now();
    const lap = (): number => {
      const now = performance.now();
      const elapsed = now - mark;
      mark = now;
      return elapsed;
    };
    const landmarkSets: Point[][] = [];
    for (const detection of detections)
      landmarkSets.push(await detectLandmarks(this.landmarker.session, image, detection.box));
    const landmarksMs = lap();

    const fivePointSets = landmarkSets.map(fivePointsFrom68);
    const alignedCrops = fivePointSets.map((fivePoints) => alignFace(image, fivePoints));
    // JPEG encoding, when asked for, runs in libvips threads while the faces are embedded.
    const jpegs = Promise.all(
      alignedCrops.map((aligned) =>
        cropFormat === 'jpeg' ? encodeAlignedCrop(rawCrop(aligned)) : Promise.resolve(NO_JPEG),
      ),
    );
    jpegs.catch(() => undefined); // awaited below; an embedding failure in between must not leave it unhandled
    const alignMs = lap();

    const featureInputBuffer = new Float32Array(3 * ALIGNED_FACE_SIZE * ALIGNED_FACE_SIZE);
    const embeddings: Float32Array[] = [];
    for (const aligned of alignedCrops) {
      embeddings.push(
        await embedAlignedFace(
          this.embedder.session,
          aligned,
          this.config.embedding.flipAugment,
          featureInputBuffer,
        ),
      );
    }
    const embedMs = lap();

    const faces: AnalyzedFace[] = [];
    const encodedCrops = await jpegs;
    const encodeMs = lap();
    for (const [index, detection] of detections.entries()) {
      const liveness =
        useLiveness && this.liveness
          ? await estimateLiveness(this.liveness.session, image, detection.box)
          : null;
      const fivePoints = fivePointSets[index]!;
      const quality = judgeQuality(
        {
          score: detection.score,
          faceWidthPx: detection.box.width,
          interocularPx: distance(fivePoints[0]!, fivePoints[1]!),
          pose: estimateHeadPose(landmarkSets[index]!),
          sharpness: laplacianVariance(alignedCrops[index]!),
          liveness,
        },
        this.config.quality,
      );
      faces.push({
        box: clipBox(detection.box, image.width, image.height),
        score: detection.score,
        landmarks: landmarkSets[index]!,
        quality,
        embedding: embeddings[index]!,
        modelId: this.embedder.identity.modelId,
        modelVersion: this.embedder.identity.modelVersion,
        alignedCropJpeg: encodedCrops[index]!,
        alignedCrop: cropFormat === 'raw' ? rawCrop(alignedCrops[index]!) : null,
      });
    }
    const qualityMs = lap();
    const finished = performance.now();
    return {
      width: image.width,
      height: image.height,
      faces,
      detectorPasses: passes.length,
      timings: {
        decodeMs: decoded - started,
        detectMs: detected - decoded,
        landmarksMs,
        alignMs,
        embedMs,
        qualityMs,
        encodeMs,
        totalMs: finished - started,
      },
    };
  }

  async release(): Promise<void> {
    await Promise.all(
      [this.detector, this.landmarker, this.embedder, this.liveness].map((model) =>
        model?.session.release(),
      ),
    );
  }
}

/** Each level is resized from the next finer one already built, not from the full frame: the 1080p
 * frame is shrunk once, and the coarser level comes from that small copy for a fraction of the cost. */
async function buildPyramid(
  image: RgbImage,
  scales: readonly number[],
): Promise<Map<number, RgbImage>> {
  const levels = new Map<number, RgbImage>();
  let finer = image;
  for (const scale of [...new Set(scales)].sort((a, b) => b - a)) {
    const size = levelSize(image.width, image.height, scale);
    const source = scale <= 1 ? finer : image;
    const level = await resizeRgb(source, size.width, size.height);
    levels.set(scale, level);
    if (scale <= 1) finer = level;
  }
  return levels;
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

const NO_JPEG: Buffer = Buffer.alloc(0);

function rawCrop(alignedRgb: Uint8Array): AlignedCrop {
  return { width: ALIGNED_FACE_SIZE, height: ALIGNED_FACE_SIZE, channels: 3, data: alignedRgb };
}

export function resolveCropFormat(options: AnalyzeOptions): AlignedCropFormat {
  if (options.crop !== undefined) return options.crop;
  // The older option keeps working for callers that still pass it.
  return options.includeAlignedCrop === false ? 'none' : 'jpeg';
}
