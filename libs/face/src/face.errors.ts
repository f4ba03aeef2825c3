export type ImageDecodeErrorCode =
  'empty' | 'truncated' | 'corrupt' | 'too_small' | 'too_large' | 'unsupported_format';

export const IMAGE_DECODE_ERROR_CODES: readonly ImageDecodeErrorCode[] = Object.freeze([
  'empty',
  'truncated',
  'corrupt',
  'too_small',
  'too_large',
  'unsupported_format',
]);

/** Base class: everything the engine throws on purpose is a FaceEngineError with a code. */
export abstract class FaceEngineError extends Error {
  abstract readonly code: string;
}

/** The input is not an image the engine accepts. The caller's fault: map it to a 4xx. */
export class ImageDecodeError extends FaceEngineError {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly code: ImageDecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type FaceEngineUnavailableCode =
  'overloaded' | 'timeout' | 'worker_crashed' | 'closed' | 'model_load_failed';

const UNAVAILABLE_CODES: readonly FaceEngineUnavailableCode[] = [
  'overloaded',
  'timeout',
  'worker_crashed',
  'closed',
  'model_load_failed',
];

/** The engine could not do the work now. Not the input's fault: retry later or elsewhere. */
export class FaceEngineUnavailableError extends FaceEngineError {
  override readonly name = 'FaceEngineUnavailableError';
  constructor(
    readonly code: FaceEngineUnavailableCode,
    message: string,
  ) {
    super(message);
  }
}

/** Two embeddings that cannot be compared: different models or lengths. */
export class EmbeddingMismatchError extends FaceEngineError {
  override readonly name = 'EmbeddingMismatchError';
  readonly code = 'embedding_mismatch';
}

/** Serializable form used to carry errors across the worker boundary. */
export interface SerializedFaceError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

export function serializeFaceError(error: unknown): SerializedFaceError {
  if (error instanceof FaceEngineError)
    return { name: error.name, code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { name: 'Error', code: 'internal', message };
}

export function deserializeFaceError(serialized: SerializedFaceError): Error {
  if (serialized.name === 'ImageDecodeError' && isDecodeCode(serialized.code)) {
    return new ImageDecodeError(serialized.code, serialized.message);
  }
  if (serialized.name === 'FaceEngineUnavailableError' && isUnavailableCode(serialized.code)) {
    return new FaceEngineUnavailableError(serialized.code, serialized.message);
  }
  return new Error(serialized.message);
}

function isUnavailableCode(code: string): code is FaceEngineUnavailableCode {
  return (UNAVAILABLE_CODES as readonly string[]).includes(code);
}

function isDecodeCode(code: string): code is ImageDecodeErrorCode {
  return (IMAGE_DECODE_ERROR_CODES as readonly string[]).includes(code);
}
