export { FaceEngine } from './face.engine';
export { FaceModule, FACE_ENGINE_OVERRIDES } from './face.module';
export {
  DEFAULT_FACE_ENGINE_CONFIG,
  resolveFaceEngineConfig,
  type FaceEngineConfig,
  type FaceEngineConfigOverrides,
} from './face.config';
export {
  EmbeddingMismatchError,
  FaceEngineError,
  FaceEngineUnavailableError,
  ImageDecodeError,
  IMAGE_DECODE_ERROR_CODES,
  type FaceEngineUnavailableCode,
  type ImageDecodeErrorCode,
} from './face.errors';
export * from './face.types';
export { cosineSimilarity, type ComparableEmbedding } from './similarity';
export { encodeAlignedCrop, ALIGNED_CROP_JPEG_QUALITY } from './image/encode-crop';
export type { FacePipelineModels } from './pipeline/face-pipeline';
export type { FaceWorkerPoolStats } from './worker/face-worker-pool';
export { registerFaceCommands } from './cli/face.command';
