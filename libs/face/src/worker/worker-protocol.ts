import type { FaceEngineConfig } from '../face.config';
import type { SerializedFaceError } from '../face.errors';
import type { AnalyzeOptions, FaceAnalysis } from '../face.types';
import type { FacePipelineModels } from '../pipeline/face-pipeline';

/** Messages between FaceWorkerPool (main thread) and face.worker (one per worker thread). */

export interface FaceWorkerData {
  readonly config: FaceEngineConfig;
}

export interface AnalyzeRequest {
  readonly type: 'analyze';
  readonly taskId: number;
  readonly image: Uint8Array;
  readonly options: AnalyzeOptions;
}

export type WorkerRequest = AnalyzeRequest;

export type WorkerResponse =
  | { readonly type: 'ready'; readonly models: FacePipelineModels }
  | { readonly type: 'init_failed'; readonly error: SerializedFaceError }
  | { readonly type: 'analyzed'; readonly taskId: number; readonly analysis: FaceAnalysis }
  | { readonly type: 'failed'; readonly taskId: number; readonly error: SerializedFaceError };
