import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FaceEngineConfig } from '../face.config';
import { deserializeFaceError, FaceEngineUnavailableError } from '../face.errors';
import type { AnalyzeOptions, FaceAnalysis } from '../face.types';
import type { FacePipelineModels } from '../pipeline/face-pipeline';
import type { FaceWorkerData, WorkerRequest, WorkerResponse } from './worker-protocol';

/**
 * Running from TypeScript sources (jest, scripts run through @swc/core), the worker entry is a .ts
 * file Node cannot load by itself: the worker starts from this small CommonJS bootstrap, which
 * compiles .ts files with @swc/core (a dev dependency) on require. From the compiled dist/ the
 * entry is plain .js and no bootstrap is involved.
 */
const TYPESCRIPT_WORKER_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const swc = require(require.resolve('@swc/core', { paths: [dirname(workerData.entry)] }));
const options = {
  sourceMaps: 'inline',
  jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022',
         transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false } },
  module: { type: 'commonjs' },
};
Module._extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
require(workerData.entry);
`;

const runningFromTypeScript = __filename.endsWith('.ts');
const WORKER_ENTRY = join(
  dirname(__dirname),
  'worker',
  runningFromTypeScript ? 'face.worker.ts' : 'face.worker.js',
);

function spawnFaceWorker(data: FaceWorkerData): Worker {
  if (runningFromTypeScript) {
    return new Worker(TYPESCRIPT_WORKER_BOOTSTRAP, {
      eval: true,
      workerData: { ...data, entry: WORKER_ENTRY },
    });
  }
  return new Worker(WORKER_ENTRY, { workerData: data });
}

interface Task {
  readonly taskId: number;
  readonly image: Uint8Array<ArrayBuffer>;
  readonly options: AnalyzeOptions;
  readonly resolve: (analysis: FaceAnalysis) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  worker: Worker | null;
  ready: boolean;
  current: Task | null;
  timer: NodeJS.Timeout | null;
  /** Consecutive start-up failures; a worker that cannot load its models is not restarted forever. */
  failedStarts: number;
  gaveUp: boolean;
  /** Terminated on purpose (timeout); its replacement is on the way. */
  retiring: boolean;
}

const MAX_FAILED_STARTS = 3;

export interface FaceWorkerPoolStats {
  readonly workers: number;
  readonly busy: number;
  readonly queued: number;
  readonly restarts: number;
}

/** A fixed set of worker threads, each with its own FacePipeline, fed from one FIFO queue. */
export class FaceWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextTaskId = 1;
  private restarts = 0;
  private closed = false;
  private modelsOfFirstWorker: FacePipelineModels | null = null;
  private startupWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  private constructor(private readonly config: FaceEngineConfig) {}

  /** Starts the workers and resolves once every one has loaded its models. */
  static async start(config: FaceEngineConfig): Promise<FaceWorkerPool> {
    const pool = new FaceWorkerPool(config);
    const size = Math.max(1, Math.floor(config.pool.workers));
    const started = new Promise<void>((resolve, reject) =>
      pool.startupWaiters.push({ resolve, reject }),
    );
    for (let i = 0; i < size; i++) {
      const slot: Slot = {
        worker: null,
        ready: false,
        current: null,
        timer: null,
        failedStarts: 0,
        gaveUp: false,
        retiring: false,
      };
      pool.slots.push(slot);
      pool.launch(slot);
    }
    try {
      await started;
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get models(): FacePipelineModels {
    if (this.modelsOfFirstWorker === null)
      throw new FaceEngineUnavailableError('closed', 'The pool has not started.');
    return this.modelsOfFirstWorker;
  }

  stats(): FaceWorkerPoolStats {
    return {
      workers: this.slots.length,
      busy: this.slots.filter((slot) => slot.current !== null).length,
      queued: this.queue.length,
      restarts: this.restarts,
    };
  }

  run(image: Uint8Array, options: AnalyzeOptions = {}): Promise<FaceAnalysis> {
    if (this.closed)
      return Promise.reject(new FaceEngineUnavailableError('closed', 'The face engine is closed.'));
    if (this.slots.every((slot) => slot.gaveUp)) {
      return Promise.reject(
        new FaceEngineUnavailableError('model_load_failed', 'No face worker could start.'),
      );
    }
    if (this.queue.length >= this.config.pool.maxQueue) {
      return Promise.reject(
        new FaceEngineUnavailableError(
          'overloaded',
          `${this.queue.length} images are already waiting for the face engine.`,
        ),
      );
    }
    // Copy exactly the image's bytes into a buffer of its own, which is then moved (not cloned) to the
    // worker: cloning a view, e.g. a Buffer sliced out of a Kafka fetch, would copy its whole backing store.
    const ownBytes = new Uint8Array(image);
    return new Promise<FaceAnalysis>((resolve, reject) => {
      this.queue.push({ taskId: this.nextTaskId++, image: ownBytes, options, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = new FaceEngineUnavailableError('closed', 'The face engine was closed.');
    for (const task of this.queue.splice(0)) task.reject(closedError);
    for (const waiter of this.startupWaiters.splice(0)) waiter.reject(closedError);
    await Promise.all(
      this.slots.map(async (slot) => {
        this.finishTask(slot)?.reject(closedError);
        const worker = slot.worker;
        slot.worker = null;
        await worker?.terminate();
      }),
    );
  }

  private launch(slot: Slot): void {
    const worker = spawnFaceWorker({ config: this.config });
    slot.worker = worker;
    slot.ready = false;
    worker.on('message', (message: WorkerResponse) => {
      if (slot.worker === worker) this.onMessage(slot, message);
    });
    worker.on('error', (error: Error) =>
      this.onWorkerGone(slot, worker, `crashed: ${error.message}`),
    );
    worker.on('exit', (code: number) =>
      this.onWorkerGone(slot, worker, `exited with code ${code}`),
    );
  }

  private onMessage(slot: Slot, message: WorkerResponse): void {
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        slot.failedStarts = 0;
        this.modelsOfFirstWorker ??= message.models;
        if (this.slots.every((each) => each.ready))
          for (const waiter of this.startupWaiters.splice(0)) waiter.resolve();
        this.dispatch();
        return;
      case 'init_failed': {
        const error = new FaceEngineUnavailableError(
          'model_load_failed',
          `A face worker could not load its models: ${message.error.message}`,
        );
        for (const waiter of this.startupWaiters.splice(0)) waiter.reject(error);
        void slot.worker?.terminate();
        return;
      }
      case 'analyzed':
      case 'failed': {
        const task = slot.current;
        if (task === null || task.taskId !== message.taskId) return;
        this.finishTask(slot);
        if (message.type === 'analyzed') task.resolve(withBuffers(message.analysis));
        else task.reject(deserializeFaceError(message.error));
        this.dispatch();
        return;
      }
    }
  }

  /** The worker is gone (crash, exit, or terminated after a timeout): fail its task and replace it. */
  private onWorkerGone(slot: Slot, worker: Worker, description: string): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    this.finishTask(slot)?.reject(
      new FaceEngineUnavailableError('worker_crashed', `A face worker ${description}.`),
    );
    if (this.closed) return;
    // A worker that was serving (or was stopped on purpose after a timeout) starts afresh; one that died
    // before it was ready counts towards giving up.
    slot.failedStarts = slot.ready || slot.retiring ? 0 : slot.failedStarts + 1;
    slot.ready = false;
    slot.retiring = false;
    if (slot.failedStarts >= MAX_FAILED_STARTS) {
      slot.gaveUp = true;
      const error = new FaceEngineUnavailableError(
        'model_load_failed',
        `A face worker failed to start ${slot.failedStarts} times.`,
      );
      for (const waiter of this.startupWaiters.splice(0)) waiter.reject(error);
      if (this.slots.every((each) => each.gaveUp))
        for (const task of this.queue.splice(0)) task.reject(error);
      return;
    }
    this.restarts++;
    this.launch(slot);
  }

  private finishTask(slot: Slot): Task | null {
    const task = slot.current;
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    slot.current = null;
    return task;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      const worker = slot.worker;
      if (worker === null || !slot.ready || slot.current !== null) continue;
      const task = this.queue.shift()!;
      slot.current = task;
      const timeoutMs = task.options.timeoutMs ?? this.config.pool.taskTimeoutMs;
      slot.timer = setTimeout(() => {
        if (slot.current !== task) return;
        this.finishTask(slot);
        task.reject(
          new FaceEngineUnavailableError(
            'timeout',
            `Face analysis took longer than ${timeoutMs} ms.`,
          ),
        );
        // The worker may be stuck inside native code: only terminating it frees the thread. Until its
        // exit event brings the replacement, nothing more is sent to it.
        slot.ready = false;
        slot.retiring = true;
        void worker.terminate();
      }, timeoutMs);
      const request: WorkerRequest = {
        type: 'analyze',
        taskId: task.taskId,
        image: task.image,
        options: task.options,
      };
      worker.postMessage(request, [task.image.buffer]);
    }
  }
}

/** Structured cloning turns Buffers into plain Uint8Arrays; give callers Buffers back. */
function withBuffers(analysis: FaceAnalysis): FaceAnalysis {
  return {
    ...analysis,
    faces: analysis.faces.map((face) => ({
      ...face,
      alignedCropJpeg: Buffer.from(
        face.alignedCropJpeg.buffer,
        face.alignedCropJpeg.byteOffset,
        face.alignedCropJpeg.byteLength,
      ),
    })),
  };
}
