/**
 * bench:face's pictures section: what one picture costs at one worker, beside the scene frames.
 * - photos: the 6 face-api demo photos (test/fixtures/photos, 2.5-3.0 MP, 3-5 faces each), analysed
 *   one at a time as `kuzet face analyze` does (default minimum face 40 px, every face embedded);
 * - face-capture crops: each face of those photos cut out as a camera's face capture would be (twice
 *   the face box, JPEG), analysed with one detector pass (picture 'face_crop') and, for comparison,
 *   as a scene;
 * - the peer: @vladmandic/face-api on tfjs-backend-wasm, in its own process (face-api.peer.js), on
 *   the same photos, run between two halves of kuzet's rounds.
 * Wall-clock per picture and CPU per picture (this process, all its threads) are both medians.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { FaceEngine } from '../../libs/face/src/face.engine';
import type { AnalyzeOptions, FaceAnalysis } from '../../libs/face/src/face.types';

const PHOTOS = join(__dirname, '../../test/fixtures/photos');
const ROUNDS = Number(process.env['FACE_BENCH_PICTURE_ROUNDS'] ?? 4);
/** face-api.js's figure when the peer cannot run here (the measurement, same kind of photos). */
const RECORDED_PEER_MEDIAN_MS = 325;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

interface Sample {
  readonly ms: number;
  readonly cpuMs: number;
  readonly analysis: FaceAnalysis;
}

async function oneAtATime(
  engine: FaceEngine,
  pictures: readonly Buffer[],
  options: AnalyzeOptions,
  rounds: number,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const picture of pictures) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const analysis = await engine.analyze(picture, options);
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      samples.push({ ms, cpuMs: (used.user + used.system) / 1000, analysis });
    }
  }
  return samples;
}

function summary(samples: readonly Sample[]) {
  const ms = median(samples.map((s) => s.ms));
  const stage = (pick: (a: FaceAnalysis) => number): number =>
    round(median(samples.map((s) => pick(s.analysis))));
  return {
    pictures: samples.length,
    medianMs: round(ms),
    medianCpuMs: round(median(samples.map((s) => s.cpuMs))),
    perSecond: round(1000 / ms),
    facesPerPicture: round(
      samples.reduce((sum, s) => sum + s.analysis.faces.length, 0) / samples.length,
    ),
    detectorPasses: round(median(samples.map((s) => s.analysis.detectorPasses))),
    stageMediansMs: {
      decode: stage((a) => a.timings.decodeMs),
      detect: stage((a) => a.timings.detectMs),
      landmarks: stage((a) => a.timings.landmarksMs),
      align: stage((a) => a.timings.alignMs),
      embed: stage((a) => a.timings.embedMs),
      quality: stage((a) => a.timings.qualityMs),
    },
  };
}

/** Each face cut out as a face-capture camera sends it: a square twice the face box, as JPEG. */
async function faceCaptures(photo: Buffer, analysis: FaceAnalysis): Promise<Buffer[]> {
  return Promise.all(
    analysis.faces.map(({ box }) => {
      const side = Math.round(2 * Math.max(box.width, box.height));
      const left = Math.max(0, Math.round(box.x + box.width / 2 - side / 2));
      const top = Math.max(0, Math.round(box.y + box.height / 2 - side / 2));
      return sharp(photo)
        .rotate()
        .extract({
          left,
          top,
          width: Math.min(side, analysis.width - left),
          height: Math.min(side, analysis.height - top),
        })
        .jpeg({ quality: 90 })
        .toBuffer();
    }),
  );
}

interface PeerRun {
  readonly peer: string;
  readonly backend: string;
  readonly facesPerPhoto: number;
  readonly msPerPhoto: number[];
  readonly cpuMsPerPhoto: number[];
}

async function runPeer(files: readonly string[], rounds: number): Promise<PeerRun | string> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(__dirname, 'face-api.peer.js'), String(rounds), ...files],
      { maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 },
    );
    return JSON.parse(stdout) as PeerRun;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n', 1)[0]! : String(error);
  }
}

export async function measurePictures() {
  const files = readdirSync(PHOTOS)
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .map((name) => join(PHOTOS, name));
  const photos = files.map((file) => readFileSync(file));
  const sizes = await Promise.all(photos.map((photo) => sharp(photo).metadata()));
  const engine = await FaceEngine.create({ pool: { workers: 1 } });
  try {
    const warm = await oneAtATime(engine, photos, { crop: 'none' }, 1);
    const crops = (
      await Promise.all(photos.map((photo, i) => faceCaptures(photo, warm[i]!.analysis)))
    ).flat();
    const firstHalf = Math.ceil(ROUNDS / 2);
    const photoSamples = await oneAtATime(engine, photos, { crop: 'none' }, firstHalf);
    const peer = await runPeer(files, ROUNDS);
    photoSamples.push(...(await oneAtATime(engine, photos, { crop: 'none' }, ROUNDS - firstHalf)));
    await oneAtATime(engine, crops, { crop: 'none', picture: 'face_crop' }, 1);
    const cropSamples = await oneAtATime(
      engine,
      crops,
      { crop: 'none', picture: 'face_crop' },
      ROUNDS,
    );
    const cropsAsScenes = await oneAtATime(engine, crops, { crop: 'none' }, ROUNDS);
    const photo = summary(photoSamples);
    const peerMedianMs =
      typeof peer === 'string' ? RECORDED_PEER_MEDIAN_MS : median(peer.msPerPhoto);
    const ratio = peerMedianMs / photo.medianMs;
    return {
      photos: {
        files: files.map((file, i) => ({
          file: file.slice(file.lastIndexOf('/') + 1),
          megapixels: round(((sizes[i]!.width ?? 0) * (sizes[i]!.height ?? 0)) / 1e6),
        })),
        workers: 1,
        ...photo,
      },
      faceCaptureCrops: {
        onePass: summary(cropSamples),
        asScene: summary(cropsAsScenes),
        cropsWithAFace: {
          onePass: cropSamples.filter((s) => s.analysis.faces.length > 0).length,
          asScene: cropsAsScenes.filter((s) => s.analysis.faces.length > 0).length,
          of: cropSamples.length,
        },
      },
      peer:
        typeof peer === 'string'
          ? {
              ran: false,
              why: peer,
              recordedMedianMs: RECORDED_PEER_MEDIAN_MS,
            }
          : {
              ran: true,
              name: peer.peer,
              backend: peer.backend,
              photos: peer.msPerPhoto.length,
              medianMs: round(peerMedianMs),
              medianCpuMs: round(median(peer.cpuMsPerPhoto)),
              perSecond: round(1000 / peerMedianMs, 3),
              facesPerPhoto: round(peer.facesPerPhoto),
            },
      photoSpeedVsPeer: {
        wallClock: round(ratio),
        cpu:
          typeof peer === 'string' ? null : round(median(peer.cpuMsPerPhoto) / photo.medianCpuMs),
      },
      goal: { photoSpeedVsPeerAtLeast: 10, met: ratio >= 10 },
      // Whether the goal is within reach of the pipeline at all: what a photo may cost at 10 times the
      // peer's speed, against what the detector passes (with their pyramid) and the embeddings alone
      // cost, before any decoding, in this same run.
      limit: {
        budgetMsPerPhoto: round(peerMedianMs / 10),
        detectionAndEmbeddingMs: round(
          median(photoSamples.map((s) => s.analysis.timings.detectMs + s.analysis.timings.embedMs)),
        ),
        embeddingMsPerFace: round(
          median(
            photoSamples
              .filter((s) => s.analysis.faces.length > 0)
              .map((s) => s.analysis.timings.embedMs / s.analysis.faces.length),
          ),
        ),
      },
    };
  } finally {
    await engine.close();
  }
}
