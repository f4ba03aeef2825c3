/**
 * Face engine benchmark: prints ONE JSON object.
 *   npm run bench:face            (FACE_BENCH_FRAMES=40 for a longer run)
 * Knobs: FACE_BENCH_FRAMES (frames in flight per round, 16), FACE_BENCH_ROUNDS (3),
 * FACE_BENCH_FLOOR_SECONDS (2 per floor measurement), FACE_BENCH_PICTURE_ROUNDS (4: photos and crops,
 * see pictures.ts), FACE_BENCH_ONLY=pictures (that section alone), FACE_BENCH_CROP (raw | jpeg | none: how the
 * pipeline returns aligned crops; default raw, the matcher's path, which encodes JPEGs for hits only).
 *
 * - stage medians (ms per face and per frame) from the engine's own timings, one worker;
 * - pipeline throughput (faces/s) with 1 and 2 workers on a composed 1920x1080 frame;
 * - the floor in the same run: raw session.run of fr_detect and fr_feature in a tight loop, one loop per
 *   thread, on the frame's own detector input and face crops: once with a single detector run per frame
 *   (the models alone) and once with as many detector runs as the engine's tiling plan makes for it;
 * - every model run the pipeline makes (those detector runs, fr_landmark and fr_feature per face) and
 *   libvips decoding the frame alone: with nothing else, the ratio a pipeline could reach at most
 *   (ratioBound), since 40 px faces need the tiles and 68 landmarks need fr_landmark;
 * - the ratio pipeline / floor.
 * The machine may be shared, so pipeline and floor measurements alternate over several rounds and every
 * figure is the median over rounds; the load average is reported alongside.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { FaceEngine } from '../../libs/face/src/face.engine';
import {
  ALIGNED_CROP_FORMATS,
  type AlignedCropFormat,
  type FaceAnalysis,
  type StageTimings,
} from '../../libs/face/src/face.types';
import { modelPath } from '../../libs/face/src/pipeline/models';
import { measurePictures } from './pictures';

const FIXTURES = join(__dirname, '../../test/fixtures/faces');
const FRAMES = Number(process.env['FACE_BENCH_FRAMES'] ?? 16);
const FLOOR_SECONDS = Number(process.env['FACE_BENCH_FLOOR_SECONDS'] ?? 2);
const ROUNDS = Number(process.env['FACE_BENCH_ROUNDS'] ?? 3);
const CROP = cropFormat(process.env['FACE_BENCH_CROP'] ?? 'raw');

function cropFormat(value: string): AlignedCropFormat {
  const format = ALIGNED_CROP_FORMATS.find((each) => each === value);
  if (format === undefined)
    throw new RangeError(`FACE_BENCH_CROP must be one of ${ALIGNED_CROP_FORMATS.join(', ')}.`);
  return format;
}

/** bbt1 stretched over the frame (4 faces of about 130 px) with bbt4 and bbt5 shrunk in the lower corners
 * (11 faces of 55-90 px): a busy 1080p camera frame. */
async function composeFrame(): Promise<Buffer> {
  const background = await sharp(join(FIXTURES, 'bbt1.jpg'))
    .resize(1920, 1080, { fit: 'fill' })
    .toBuffer();
  const lowerLeft = await sharp(join(FIXTURES, 'bbt4.jpg')).resize(639, 426).toBuffer();
  const lowerRight = await sharp(join(FIXTURES, 'bbt5.jpg')).resize(752, 371).toBuffer();
  return sharp(background)
    .composite([
      { input: lowerLeft, left: 0, top: 654 },
      { input: lowerRight, left: 1168, top: 709 },
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

async function startEngine(frame: Buffer, workers: number): Promise<FaceEngine> {
  const engine = await FaceEngine.create({ pool: { workers } });
  // Warm-up: JIT, ONNX Runtime allocations, libvips caches, in every worker.
  await Promise.all(
    Array.from({ length: workers * 2 }, () => engine.analyze(frame, { crop: CROP })),
  );
  return engine;
}

const cpuSecondsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

interface Throughput {
  readonly facesPerSecond: number;
  /** Faces per second of CPU used by this process (all its threads): barely moved by other jobs' load. */
  readonly facesPerCpuSecond: number;
}

async function pipelineThroughput(
  engine: FaceEngine,
  frame: Buffer,
): Promise<Throughput & { analyses: FaceAnalysis[] }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const analyses = await Promise.all(
    Array.from({ length: FRAMES }, () => engine.analyze(frame, { crop: CROP })),
  );
  const seconds = (performance.now() - started) / 1000;
  const faces = analyses.reduce((sum, analysis) => sum + analysis.faces.length, 0);
  return {
    facesPerSecond: faces / seconds,
    facesPerCpuSecond: faces / cpuSecondsSince(cpu),
    analyses,
  };
}

/** The frame's own model inputs, so the floor runs the models on the same data as the pipeline (fr_feature
 * takes about 13% longer on real faces than on synthetic patterns): the whole frame as the detector sees
 * it, and the exact aligned crop of every face (raw pixels, as the pipeline embeds them). */
interface ModelInputs {
  readonly detectTensor: Float32Array;
  readonly featureTensors: Float32Array[];
  /** fr_landmark's input for each face: its detector box as a 64x64 grey crop (pixels / 256). */
  readonly landmarkTensors: Float32Array[];
}

async function modelInputs(frame: Buffer, analysis: FaceAnalysis): Promise<ModelInputs> {
  const planar = (
    rgb: Uint8Array,
    width: number,
    height: number,
    planeWidth: number,
    planeHeight: number,
  ): Float32Array => {
    const plane = planeWidth * planeHeight;
    const tensor = new Float32Array(3 * plane);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++)
          tensor[c * plane + y * planeWidth + x] = (rgb[(y * width + x) * 3 + c]! - 127) / 128;
      }
    }
    return tensor;
  };
  const whole = await sharp(frame).resize(320, 180).removeAlpha().raw().toBuffer();
  const crops = analysis.faces.map((face) => {
    if (face.alignedCrop === null) throw new Error('The sample analysis must ask for raw crops.');
    return face.alignedCrop.data;
  });
  const landmarkTensors = await Promise.all(
    analysis.faces.map(async ({ box }) => {
      const left = Math.max(0, Math.round(box.x));
      const top = Math.max(0, Math.round(box.y));
      const grey = await sharp(frame)
        .extract({
          left,
          top,
          width: Math.min(analysis.width - left, Math.round(box.width)),
          height: Math.min(analysis.height - top, Math.round(box.height)),
        })
        .resize(64, 64, { fit: 'fill' })
        .greyscale()
        .raw()
        .toBuffer();
      return Float32Array.from(grey, (v) => v / 256);
    }),
  );
  return {
    detectTensor: planar(whole, 320, 180, 320, 240),
    featureTensors: crops.map((crop) => planar(crop, 112, 112, 112, 112)),
    landmarkTensors,
  };
}

/** A raw ONNX Runtime loop in its own thread: per frame, `detectorRuns` fr_detect runs, `landmarkRuns`
 * fr_landmark runs and `faces` fr_feature runs on ready-made tensors, sessions single-threaded like the
 * engine's. Plain JS, no TypeScript needed. */
const FLOOR_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(require.resolve('onnxruntime-node', { paths: [workerData.root] }));
const options = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };
(async () => {
  const detector = await ort.InferenceSession.create(workerData.detectPath, options);
  const embedder = await ort.InferenceSession.create(workerData.featurePath, options);
  const landmarker = await ort.InferenceSession.create(workerData.landmarkPath, options);
  const landmarkInputs = workerData.landmarkTensors.map((tensor) => ({ input: new ort.Tensor('float32', tensor, [1, 1, 64, 64]) }));
  const detectInput = { input: new ort.Tensor('float32', workerData.detectTensor, [1, 3, 240, 320]) };
  const featureInputs = workerData.featureTensors.map((tensor) => ({ input: new ort.Tensor('float32', tensor, [1, 3, 112, 112]) }));
  for (let i = 0; i < 10; i++) { await detector.run(detectInput); await embedder.run(featureInputs[i % featureInputs.length]); await landmarker.run(landmarkInputs[i % landmarkInputs.length]); }
  parentPort.on('message', async ({ detectorRuns, landmarkRuns, faces, seconds }) => {
    const detectMs = [], featureMs = [], landmarkMs = [];
    let frames = 0;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      for (let d = 0; d < detectorRuns; d++) { const t = performance.now(); await detector.run(detectInput); detectMs.push(performance.now() - t); }
      for (let l = 0; l < landmarkRuns; l++) { const t = performance.now(); await landmarker.run(landmarkInputs[l % landmarkInputs.length]); landmarkMs.push(performance.now() - t); }
      for (let f = 0; f < faces; f++) { const t = performance.now(); await embedder.run(featureInputs[f % featureInputs.length]); featureMs.push(performance.now() - t); }
      frames++;
    }
    const elapsed = (performance.now() - started) / 1000;
    parentPort.postMessage({ facesPerSecond: (frames * faces) / elapsed, faces: frames * faces, detectMs: median(detectMs), featureMs: median(featureMs), landmarkMs: landmarkRuns > 0 ? median(landmarkMs) : null });
  });
  parentPort.postMessage('ready');
})();
`;

interface FloorRun extends Throughput {
  readonly detectMs: number;
  readonly featureMs: number;
  readonly landmarkMs: number | null;
}

interface FloorThreadRun {
  readonly facesPerSecond: number;
  readonly faces: number;
  readonly detectMs: number;
  readonly featureMs: number;
  readonly landmarkMs: number | null;
}

class FloorThreads {
  private constructor(private readonly workers: Worker[]) {}

  static async start(count: number, inputs: ModelInputs): Promise<FloorThreads> {
    const workerData = {
      root: __dirname,
      detectPath: modelPath('fr_detect'),
      featurePath: modelPath('fr_feature'),
      landmarkPath: modelPath('fr_landmark'),
      ...inputs,
    };
    const workers = await Promise.all(
      Array.from({ length: count }, async () => {
        const worker = new Worker(FLOOR_WORKER, { eval: true, workerData });
        await new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        });
        return worker;
      }),
    );
    return new FloorThreads(workers);
  }

  /** Runs the loop in `threads` threads at once; faces/s summed over threads. */
  async measure(
    threads: number,
    detectorRuns: number,
    faces: number,
    landmarkRuns = 0,
  ): Promise<FloorRun> {
    const cpu = process.cpuUsage();
    const runs = await Promise.all(
      this.workers.slice(0, threads).map(
        (worker) =>
          new Promise<FloorThreadRun>((resolve) => {
            worker.once('message', resolve);
            worker.postMessage({ detectorRuns, landmarkRuns, faces, seconds: FLOOR_SECONDS });
          }),
      ),
    );
    const cpuSeconds = cpuSecondsSince(cpu);
    return {
      facesPerSecond: runs.reduce((sum, run) => sum + run.facesPerSecond, 0),
      facesPerCpuSecond: runs.reduce((sum, run) => sum + run.faces, 0) / cpuSeconds,
      detectMs: median(runs.map((run) => run.detectMs)),
      featureMs: median(runs.map((run) => run.featureMs)),
      landmarkMs: runs[0]!.landmarkMs === null ? null : median(runs.map((run) => run.landmarkMs!)),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

async function decodeOnlyMs(frame: Buffer): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const started = performance.now();
    await sharp(frame).raw().toBuffer();
    if (i >= 5) times.push(performance.now() - started);
  }
  return median(times);
}

function stageMedians(analyses: readonly FaceAnalysis[], perFace: boolean): Record<string, number> {
  const stages: Array<keyof StageTimings> = [
    'decodeMs',
    'detectMs',
    'landmarksMs',
    'alignMs',
    'embedMs',
    'qualityMs',
    'encodeMs',
    'totalMs',
  ];
  return Object.fromEntries(
    stages.map((stage) => [
      stage,
      round(
        median(
          analyses.map(
            (analysis) => analysis.timings[stage] / (perFace ? analysis.faces.length : 1),
          ),
        ),
      ),
    ]),
  );
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  if (process.env['FACE_BENCH_ONLY'] === 'pictures') {
    const pictures = await measurePictures();
    const load = {
      loadAverage1mBefore: round(loadBefore),
      loadAverage1mAfter: round(loadavg()[0]!),
    };
    process.stdout.write(`${JSON.stringify({ benchmark: 'face-engine', ...load, pictures })}\n`);
    return;
  }
  const frame = await composeFrame();
  const engines = { 1: await startEngine(frame, 1), 2: await startEngine(frame, 2) };
  const sample = await engines[1].analyze(frame, { crop: 'raw' });
  const floorThreads = await FloorThreads.start(2, await modelInputs(frame, sample));
  const faces = sample.faces.length;
  const passes = sample.detectorPasses;

  const rounds: Array<{
    pipeline: Record<1 | 2, Throughput>;
    floor: Record<1 | 2, FloorRun>;
    tiledFloor: Record<1 | 2, FloorRun>;
    requiredModels: Record<1 | 2, FloorRun>;
  }> = [];
  const analyses: FaceAnalysis[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const one = await pipelineThroughput(engines[1], frame);
      analyses.push(...one.analyses);
      const floorOne = await floorThreads.measure(1, 1, faces);
      const tiledFloorOne = await floorThreads.measure(1, passes, faces);
      const requiredOne = await floorThreads.measure(1, passes, faces, faces);
      const two = await pipelineThroughput(engines[2], frame);
      const floorTwo = await floorThreads.measure(2, 1, faces);
      const tiledFloorTwo = await floorThreads.measure(2, passes, faces);
      const requiredTwo = await floorThreads.measure(2, passes, faces, faces);
      rounds.push({
        pipeline: { 1: one, 2: two },
        floor: { 1: floorOne, 2: floorTwo },
        tiledFloor: { 1: tiledFloorOne, 2: tiledFloorTwo },
        requiredModels: { 1: requiredOne, 2: requiredTwo },
      });
    }
  } finally {
    await Promise.all([engines[1].close(), engines[2].close(), floorThreads.stop()]);
  }

  const over = (pick: (round: (typeof rounds)[number]) => number, digits = 1): number =>
    round(median(rounds.map(pick)), digits);
  const decodeMs = await decodeOnlyMs(frame);
  /** The most any pipeline meeting the issue's requirements could reach against the floor: the
   * model runs it must make (the tiled detector, fr_landmark and fr_feature per face) and the
   * frame's decoding, with nothing else, spread over `threads` cores. */
  const bound = (r: (typeof rounds)[number], threads: 1 | 2): number =>
    faces /
    r.floor[threads].facesPerSecond /
    (faces / r.requiredModels[threads].facesPerSecond + decodeMs / 1000 / threads);
  const report = {
    benchmark: 'face-engine',
    command: `${CROP === 'raw' ? '' : `FACE_BENCH_CROP=${CROP} `}npm run bench:face`,
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage1mBefore: round(loadBefore),
      loadAverage1mAfter: round(loadavg()[0]!),
    },
    frame: {
      width: sample.width,
      height: sample.height,
      jpegBytes: frame.length,
      faces,
      facesPassingQuality: sample.faces.filter((face) => face.quality.passed).length,
      detectorPasses: passes,
      framesPerRound: FRAMES,
      crop: CROP,
      rounds: ROUNDS,
    },
    stageMediansMsPerFace: stageMedians(analyses, true),
    stageMediansMsPerFrame: stageMedians(analyses, false),
    pipelineFacesPerSecond: {
      workers1: over((r) => r.pipeline[1].facesPerSecond),
      workers2: over((r) => r.pipeline[2].facesPerSecond),
    },
    floor: {
      msPerRun: {
        fr_detect: over((r) => r.floor[1].detectMs, 2),
        fr_feature: over((r) => r.floor[1].featureMs, 2),
      },
      facesPerSecond: {
        threads1: over((r) => r.floor[1].facesPerSecond),
        threads2: over((r) => r.floor[2].facesPerSecond),
      },
      withTiledDetectorRuns: {
        detectorRunsPerFrame: passes,
        threads1: over((r) => r.tiledFloor[1].facesPerSecond),
        threads2: over((r) => r.tiledFloor[2].facesPerSecond),
      },
      /** The tiled detector runs, fr_landmark and fr_feature per face: every model run the
       * pipeline makes. */
      requiredModels: {
        fr_landmarkMsPerRun: over((r) => r.requiredModels[1].landmarkMs ?? 0, 2),
        threads1: over((r) => r.requiredModels[1].facesPerSecond),
        threads2: over((r) => r.requiredModels[2].facesPerSecond),
      },
      /** libvips decoding the frame to RGB, nothing else (median, this thread). */
      decodeMsPerFrame: round(decodeMs, 2),
    },
    /** Highest ratio to the floor that the required model runs plus decoding leave (see bound). */
    ratioBound: {
      workers1: over((r) => bound(r, 1), 3),
      workers2: over((r) => bound(r, 2), 3),
    },
    ratioPipelineToFloor: {
      workers1: over((r) => r.pipeline[1].facesPerSecond / r.floor[1].facesPerSecond, 3),
      workers2: over((r) => r.pipeline[2].facesPerSecond / r.floor[2].facesPerSecond, 3),
      workers1VsTiledFloor: over(
        (r) => r.pipeline[1].facesPerSecond / r.tiledFloor[1].facesPerSecond,
        3,
      ),
      workers2VsTiledFloor: over(
        (r) => r.pipeline[2].facesPerSecond / r.tiledFloor[2].facesPerSecond,
        3,
      ),
    },
    facesPerCpuSecond: {
      pipeline: {
        workers1: over((r) => r.pipeline[1].facesPerCpuSecond),
        workers2: over((r) => r.pipeline[2].facesPerCpuSecond),
      },
      floor: {
        threads1: over((r) => r.floor[1].facesPerCpuSecond),
        threads2: over((r) => r.floor[2].facesPerCpuSecond),
      },
      tiledFloor: {
        threads1: over((r) => r.tiledFloor[1].facesPerCpuSecond),
        threads2: over((r) => r.tiledFloor[2].facesPerCpuSecond),
      },
      ratioPipelineToFloor: {
        workers1: over((r) => r.pipeline[1].facesPerCpuSecond / r.floor[1].facesPerCpuSecond, 3),
        workers2: over((r) => r.pipeline[2].facesPerCpuSecond / r.floor[2].facesPerCpuSecond, 3),
        workers1VsTiledFloor: over(
          (r) => r.pipeline[1].facesPerCpuSecond / r.tiledFloor[1].facesPerCpuSecond,
          3,
        ),
        workers2VsTiledFloor: over(
          (r) => r.pipeline[2].facesPerCpuSecond / r.tiledFloor[2].facesPerCpuSecond,
          3,
        ),
      },
    },
    perRound: rounds.map((r) => ({
      pipeline: {
        workers1: round(r.pipeline[1].facesPerSecond, 1),
        workers2: round(r.pipeline[2].facesPerSecond, 1),
      },
      floor: {
        threads1: round(r.floor[1].facesPerSecond, 1),
        threads2: round(r.floor[2].facesPerSecond, 1),
      },
    })),
    goal: { ratioAtLeast: 0.8 },
    /** One picture at a time at one worker: photos, face-capture crops and the peer on the photos. */
    pictures: await measurePictures(),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
