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

/**
 * The buffers of an analysis that can be moved to the main thread instead of copied: each face's
 * embedding and raw aligned crop, when the view covers its whole ArrayBuffer (the pipeline allocates
 * them that way). Anything else, such as libvips' JPEG Buffers, is left to structured cloning.
 */
export function transferableBuffers(analysis: FaceAnalysis): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (view: Uint8Array | Float32Array | null): void => {
    if (view === null || Buffer.isBuffer(view)) return;
    const buffer = view.buffer;
    if (isArrayBuffer(buffer) && view.byteOffset === 0 && view.byteLength === buffer.byteLength)
      buffers.add(buffer);
  };
  for (const face of analysis.faces) {
    add(face.embedding);
    add(face.alignedCrop?.data ?? null);
  }
  return [...buffers];
}

/** By tag, not instanceof: a buffer made in another realm (vm context) is still transferable, and a
 * SharedArrayBuffer is not. */
function isArrayBuffer(buffer: ArrayBufferLike): buffer is ArrayBuffer {
  return Object.prototype.toString.call(buffer) === '[object ArrayBuffer]';
}
