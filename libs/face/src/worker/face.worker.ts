import { parentPort, workerData } from 'node:worker_threads';
import { serializeFaceError } from '../face.errors';
import { FacePipeline } from '../pipeline/face-pipeline';
import {
  type FaceWorkerData,
  transferableBuffers,
  type WorkerRequest,
  type WorkerResponse,
} from './worker-protocol';

/** Worker thread entry: one FacePipeline (its own ONNX sessions), one task at a time. */
function main(): void {
  const port = parentPort;
  if (port === null) throw new Error('face.worker must run in a worker thread.');
  const { config } = workerData as FaceWorkerData;
  const send = (message: WorkerResponse, transfer: ArrayBuffer[] = []): void =>
    port.postMessage(message, transfer);

  FacePipeline.create(config).then(
    (pipeline) => {
      port.on('message', (request: WorkerRequest) => {
        pipeline.analyze(request.image, request.options).then(
          // Embeddings and raw crops move to the main thread; only the small rest is copied.
          (analysis) =>
            send(
              { type: 'analyzed', taskId: request.taskId, analysis },
              transferableBuffers(analysis),
            ),
          (error: unknown) =>
            send({ type: 'failed', taskId: request.taskId, error: serializeFaceError(error) }),
        );
      });
      send({ type: 'ready', models: pipeline.models });
    },
    (error: unknown) => send({ type: 'init_failed', error: serializeFaceError(error) }),
  );
}

main();
