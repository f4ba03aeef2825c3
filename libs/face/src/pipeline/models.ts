import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelIdentity } from '../face.types';

export type FaceModelName = 'fr_detect' | 'fr_landmark' | 'fr_feature' | 'fr_liveness';

const MODEL_PACKAGE = 'faceplugin-face-recognition-js';

export function modelPath(name: FaceModelName): string {
  const packageEntry = require.resolve(MODEL_PACKAGE);
  return join(dirname(packageEntry), 'model', `${name}.onnx`);
}

function packageVersion(): string {
  const manifest: unknown = JSON.parse(
    readFileSync(join(dirname(require.resolve(MODEL_PACKAGE)), 'package.json'), 'utf8'),
  );
  if (
    typeof manifest === 'object' &&
    manifest !== null &&
    'version' in manifest &&
    typeof manifest.version === 'string'
  ) {
    return manifest.version;
  }
  return 'unknown';
}

export interface LoadedModel {
  readonly name: FaceModelName;
  readonly identity: ModelIdentity;
  readonly session: ort.InferenceSession;
}

/** One thread per session: parallelism comes from the worker pool, and two workers each
 * spinning up a thread per core would oversubscribe the CPU. */
export const SINGLE_THREAD_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = Object.freeze({
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});

/** The version names the package and the file's content hash, so a swapped model file is detectable
 * even when the package version stays the same. */
export async function loadModel(
  name: FaceModelName,
  options: ort.InferenceSession.SessionOptions = SINGLE_THREAD_SESSION_OPTIONS,
): Promise<LoadedModel> {
  const bytes = readFileSync(modelPath(name));
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const session = await ort.InferenceSession.create(bytes, options);
  return {
    name,
    identity: {
      modelId: `${MODEL_PACKAGE}/${name}`,
      modelVersion: `${packageVersion()}+sha256.${digest}`,
    },
    session,
  };
}
