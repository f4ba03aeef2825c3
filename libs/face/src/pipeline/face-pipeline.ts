import { performance } from 'node:perf_hooks';
import type { FaceEngineConfig } from '../face.config';
import type {
  AlignedCrop,
  AlignedCropFormat,
  AnalyzeOptions,
  AnalyzedFace,
  Box,
  FaceAnalysis,
  ModelIdentity,
  Point,
} from '../face.types';
import {
  decodePixels,
  type ImageHeader,
  inspectImage,
  resizeRgb,
  type RowBand,
  shrinksOnLoad,
} from '../image/decode-image';
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
  wholeImagePass,
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
    const limits = this.config.decode;
    const header = await inspectImage(bytes, limits);
    const passes =
      options.picture === 'face_crop'
        ? [wholeImagePass(header.width, header.height)]
        : planDetectorPasses(
            header.width,
            header.height,
            options.minFaceSizePx ?? this.config.detection.minFaceSizePx,
            this.config.detection,
          );
    // The finest pyramid level is all detection needs; a JPEG that can be shrunk on load to it is
    // not decoded whole unless its faces need the detail (below).
    const finestScale = Math.max(...passes.map((pass) => pass.scale));
    let detectionImage: RgbImage & { readonly scale: number };
    if (shrinksOnLoad(header, finestScale)) {
      detectionImage = {
        ...(await decodePixels(bytes, limits, header, finestScale)),
        scale: finestScale,
      };
    } else {
      detectionImage = { ...(await decodePixels(bytes, limits, header)), scale: 1 };
    }
    let decodeMs = performance.now() - started;
    const decoded = performance.now();

    const levels = await buildPyramid(
      detectionImage,
      header,
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
          header,
          this.config.detection,
          detectorInputBuffer,
        )),
      );
    }
    const detections = nonMaximumSuppression(candidates, this.config.detection.nmsIouThreshold)
      .sort(comparePrimaryFirst)
      .slice(0, options.maxFaces ?? Number.POSITIVE_INFINITY);
    const detected = performance.now();

    // Landmarks, alignment and liveness read the faces' pixels at the scale their smallest face needs;
    // at full scale only the band of rows around the faces is decoded.
    const useLiveness =
      (options.liveness ?? this.config.liveness.enabled) && this.liveness !== null;
    const detailScale = Math.min(
      1,
      Math.max(0, ...detections.map((each) => CROP_DETAIL_PX / each.box.width)),
    );
    let image: RgbImage = detectionImage;
    let band: RowBand | undefined;
    if (detectionImage.scale < detailScale) {
      const decodeStarted = performance.now();
      if (shrinksOnLoad(header, detailScale)) {
        image = await decodePixels(bytes, limits, header, detailScale);
      } else {
        band = facesBand(detections, header.height);
        image = await decodePixels(bytes, limits, header, 1, band);
      }
      decodeMs += performance.now() - decodeStarted;
    }
    // A band is at full scale; otherwise the image is the whole picture, maybe resampled.
    const imageTop = band?.top ?? 0;
    const toImage = {
      x: image.width / header.width,
      y: band === undefined ? image.height / header.height : 1,
    };
    const toSource = (point: Point): Point => ({
      x: point.x / toImage.x,
      y: point.y / toImage.y + imageTop,
    });
    const inImage = (box: Box): Box => ({
      x: box.x * toImage.x,
      y: (box.y - imageTop) * toImage.y,
      width: box.width * toImage.x,
      height: box.height * toImage.y,
    });

    const cropFormat = resolveCropFormat(options);
    // Stage by stage over all faces, so each stage is timed once per image.
    let mark = performance.now();
    const lap = (): number => {
      const now = performance.now();
      const elapsed = now - mark;
      mark = now;
      return elapsed;
    };
    const imageLandmarkSets: Point[][] = [];
    for (const detection of detections) {
      imageLandmarkSets.push(
        await detectLandmarks(this.landmarker.session, image, inImage(detection.box)),
      );
    }
    const landmarkSets = imageLandmarkSets.map((points) => points.map(toSource));
    const landmarksMs = lap();

    const fivePointSets = landmarkSets.map(fivePointsFrom68);
    const alignedCrops = imageLandmarkSets.map((points) =>
      alignFace(image, fivePointsFrom68(points)),
    );
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
          ? await estimateLiveness(this.liveness.session, image, inImage(detection.box))
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
        box: clipBox(detection.box, header.width, header.height),
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
      width: header.width,
      height: header.height,
      faces,
      detectorPasses: passes.length,
      timings: {
        decodeMs,
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

/** Each level is resized from the next finer one already built, not from the decoded image: the photo
 * is shrunk once, and the coarser level comes from that small copy for a fraction of the cost. The
 * decoded image may itself be a level (`scale` below 1: the JPEG was shrunk on load to it). */
async function buildPyramid(
  decoded: RgbImage & { readonly scale: number },
  source: ImageHeader,
  scales: readonly number[],
): Promise<Map<number, RgbImage>> {
  const levels = new Map<number, RgbImage>();
  let finer: RgbImage = decoded;
  for (const scale of [...new Set(scales)].sort((a, b) => b - a)) {
    const size = levelSize(source.width, source.height, scale);
    const from = scale <= decoded.scale ? finer : decoded;
    const level = await resizeRgb(from, size.width, size.height);
    levels.set(scale, level);
    if (scale <= decoded.scale) finer = level;
  }
  return levels;
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

const NO_JPEG: Buffer = Buffer.alloc(0);

/** A face's landmarks and aligned crop are read from an image where it is at least this wide (or from
 * the full image): the 112x112 crop then comes from about twice its own detail, as from the original. */
const CROP_DETAIL_PX = 224;

/** Every pixel landmarks, alignment and liveness read around a face lies within this many times its
 * larger side of its box's centre (liveness reads 2.7 times the box, centred; the aligned crop less). */
const DETAIL_REACH = 1.5;

/** The rows around all the faces that the detail stages read, or undefined when that is every row. */
export function facesBand(
  detections: readonly Detection[],
  imageHeight: number,
): RowBand | undefined {
  let top = imageHeight;
  let bottom = 0;
  for (const { box } of detections) {
    const reach = DETAIL_REACH * Math.max(box.width, box.height);
    const centre = box.y + box.height / 2;
    top = Math.min(top, centre - reach);
    bottom = Math.max(bottom, centre + reach);
  }
  const first = Math.max(0, Math.floor(top));
  const end = Math.min(imageHeight, Math.ceil(bottom));
  if (end <= first || (first === 0 && end === imageHeight)) return undefined;
  return { top: first, height: end - first };
}

function rawCrop(alignedRgb: Uint8Array): AlignedCrop {
  return { width: ALIGNED_FACE_SIZE, height: ALIGNED_FACE_SIZE, channels: 3, data: alignedRgb };
}

export function resolveCropFormat(options: AnalyzeOptions): AlignedCropFormat {
  if (options.crop !== undefined) return options.crop;
  // The older option keeps working for callers that still pass it.
  return options.includeAlignedCrop === false ? 'none' : 'jpeg';
}
