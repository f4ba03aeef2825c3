import { availableParallelism } from 'node:os';

/** Every threshold of the face engine in one place. Override with `resolveFaceEngineConfig`. */
export interface FaceEngineConfig {
  readonly decode: {
    /** Compressed input larger than this is refused before it is parsed. */
    readonly maxBytes: number;
    /** Refuse images that declare more pixels than this (decompression bombs). */
    readonly maxPixels: number;
    /** Refuse images whose shorter side is below this: no face fits. */
    readonly minSidePx: number;
    /** libvips gives up after this many seconds on one image. */
    readonly timeoutSeconds: number;
  };
  readonly detection: {
    readonly scoreThreshold: number;
    readonly nmsIouThreshold: number;
    /** Smallest face (box width, source pixels) that tiling guarantees to look for. */
    readonly minFaceSizePx: number;
    /** A face is reliably detected when it is at least this wide at the detector's 320x240 input. */
    readonly detectorMinFacePx: number;
    /** Upper bound on tiles per image, so a huge image cannot multiply the work. */
    readonly maxTiles: number;
    /** Boxes whose sides differ by more than this ratio are dropped (not face-shaped). */
    readonly maxAspectRatio: number;
  };
  readonly quality: {
    readonly minScore: number;
    readonly minFaceWidthPx: number;
    readonly maxAbsYawDeg: number;
    readonly maxAbsPitchDeg: number;
    readonly minSharpness: number;
    readonly minLiveness: number;
  };
  readonly liveness: {
    /** fr_liveness is not validated on spoofs here (see docs/face-engine.md): off by default. */
    readonly enabled: boolean;
  };
  readonly embedding: {
    /** Average the embedding of the crop and its mirror: steadier, costs one more fr_feature run. */
    readonly flipAugment: boolean;
  };
  readonly matching: {
    /** Cosine similarity at or above which two faces are the same person (see docs/face-engine.md). */
    readonly samePersonThreshold: number;
  };
  readonly pool: {
    readonly workers: number;
    /** Tasks waiting for a worker beyond this are refused (back-pressure). */
    readonly maxQueue: number;
    /** A task running longer than this kills and replaces its worker. */
    readonly taskTimeoutMs: number;
  };
}

export type FaceEngineConfigOverrides = {
  readonly [Section in keyof FaceEngineConfig]?: Partial<FaceEngineConfig[Section]>;
};

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  }
  return Object.freeze(value);
}

export const DEFAULT_FACE_ENGINE_CONFIG: FaceEngineConfig = deepFreeze({
  decode: {
    maxBytes: 32 * 1024 * 1024,
    maxPixels: 40_000_000,
    minSidePx: 32,
    timeoutSeconds: 10,
  },
  detection: {
    scoreThreshold: 0.7,
    nmsIouThreshold: 0.4,
    minFaceSizePx: 40,
    detectorMinFacePx: 16,
    maxTiles: 24,
    maxAspectRatio: 2.2,
  },
  quality: {
    minScore: 0.8,
    minFaceWidthPx: 32,
    maxAbsYawDeg: 45,
    maxAbsPitchDeg: 35,
    minSharpness: 40,
    minLiveness: 0.5,
  },
  liveness: {
    enabled: false,
  },
  embedding: {
    flipAugment: false,
  },
  matching: {
    samePersonThreshold: 0.4,
  },
  pool: {
    workers: Math.max(1, availableParallelism()),
    maxQueue: 256,
    taskTimeoutMs: 30_000,
  },
});

export function resolveFaceEngineConfig(
  overrides: FaceEngineConfigOverrides = {},
): FaceEngineConfig {
  const base = DEFAULT_FACE_ENGINE_CONFIG;
  return deepFreeze({
    decode: { ...base.decode, ...overrides.decode },
    detection: { ...base.detection, ...overrides.detection },
    quality: { ...base.quality, ...overrides.quality },
    liveness: { ...base.liveness, ...overrides.liveness },
    embedding: { ...base.embedding, ...overrides.embedding },
    matching: { ...base.matching, ...overrides.matching },
    pool: { ...base.pool, ...overrides.pool },
  });
}
