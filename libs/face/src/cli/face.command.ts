import { Command, InvalidArgumentError } from 'commander';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { FaceEngine } from '../face.engine';
import type { FaceEngineConfigOverrides } from '../face.config';
import { FaceEngineError } from '../face.errors';
import type { AnalyzedFace, FaceAnalysis } from '../face.types';

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/** Where the commands write and how they get an engine; tests replace these. */
export interface FaceCommandIo {
  readonly writeLine: (line: string) => void;
  readonly writeError: (line: string) => void;
  readonly createEngine: (overrides: FaceEngineConfigOverrides) => Promise<FaceEngine>;
}

const defaultIo: FaceCommandIo = {
  writeLine: (line) => process.stdout.write(`${line}\n`),
  writeError: (line) => process.stderr.write(`${line}\n`),
  createEngine: (overrides) => FaceEngine.create(overrides),
};

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError('Expected a positive whole number.');
  return parsed;
}

/** Image files under `path` (recursively, sorted), or `path` itself when it is a file. */
export async function listImages(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(async (entry) => {
        const child = join(path, entry.name);
        if (entry.isDirectory()) return listImages(child);
        return IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase()) ? [child] : [];
      }),
  );
  return nested.flat();
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

function faceRecord(
  file: string,
  index: number,
  face: AnalyzedFace,
  withEmbedding: boolean,
): Record<string, unknown> {
  const { quality } = face;
  return {
    file,
    face: index,
    box: {
      x: round(face.box.x, 1),
      y: round(face.box.y, 1),
      width: round(face.box.width, 1),
      height: round(face.box.height, 1),
    },
    score: round(face.score, 4),
    quality: {
      passed: quality.passed,
      reasons: quality.reasons,
      faceWidthPx: round(quality.faceWidthPx, 1),
      interocularPx: round(quality.interocularPx, 1),
      yawDeg: round(quality.yawDeg, 1),
      pitchDeg: round(quality.pitchDeg, 1),
      rollDeg: round(quality.rollDeg, 1),
      sharpness: round(quality.sharpness, 1),
      liveness: quality.liveness === null ? null : round(quality.liveness, 3),
    },
    modelId: face.modelId,
    modelVersion: face.modelVersion,
    ...(withEmbedding ? { embedding: Array.from(face.embedding, (value) => round(value, 6)) } : {}),
  };
}

function errorRecord(file: string, error: unknown): Record<string, unknown> {
  if (error instanceof FaceEngineError)
    return { file, error: { name: error.name, code: error.code, message: error.message } };
  const message = error instanceof Error ? error.message : String(error);
  return { file, error: { name: 'Error', code: 'io', message } };
}

async function withEngine<T>(
  io: FaceCommandIo,
  workers: number | undefined,
  use: (engine: FaceEngine) => Promise<T>,
): Promise<T> {
  const engine = await io.createEngine(workers === undefined ? {} : { pool: { workers } });
  try {
    return await use(engine);
  } finally {
    await engine.close();
  }
}

interface AnalyzeCommandOptions {
  readonly embeddings?: boolean;
  readonly workers?: number;
  readonly minFace?: number;
  readonly liveness?: boolean;
  readonly faceCrops?: boolean;
}

/**
 * `face analyze <image|folder> [--embeddings]`: one JSON line per face (a file that cannot be read
 * or decoded gets one line with `error`, and the exit code becomes 1).
 * `face compare <a> <b>`: one JSON line with the cosine similarity of the primary face of each.
 */
export function registerFaceCommands(program: Command, io: FaceCommandIo = defaultIo): Command {
  const face = program
    .command('face')
    .description('Detect, embed and compare faces with the ONNX face engine');

  face
    .command('analyze')
    .description('Print one JSON line per face found in an image, or in every image under a folder')
    .argument('<path>', 'an image file (JPEG, PNG, WebP) or a folder of them')
    .option('--embeddings', 'include the 512-d embedding of each face')
    .option('--liveness', 'run the (unvalidated) liveness model as well')
    .option('--min-face <px>', 'smallest face width to look for, in pixels', positiveInteger)
    .option('--face-crops', 'the images are face crops (face-capture pictures): one detector pass')
    .option('--workers <n>', 'worker threads (default: one per core)', positiveInteger)
    .action(async (path: string, options: AnalyzeCommandOptions) => {
      const files = await listImages(path);
      let failures = 0;
      await withEngine(io, options.workers, async (engine) => {
        // Submit everything at once (the pool queues and parallelises), print in file order.
        const analyses = files.map(async (file): Promise<FaceAnalysis> => {
          const bytes = await readFile(file);
          return engine.analyze(bytes, {
            ...(options.minFace === undefined ? {} : { minFaceSizePx: options.minFace }),
            ...(options.liveness ? { liveness: true } : {}),
            ...(options.faceCrops ? { picture: 'face_crop' as const } : {}),
            crop: 'none',
          });
        });
        for (const [index, pending] of analyses.entries()) {
          const file = files[index]!;
          try {
            const analysis = await pending;
            analysis.faces.forEach((each, faceIndex) =>
              io.writeLine(
                JSON.stringify(faceRecord(file, faceIndex, each, options.embeddings === true)),
              ),
            );
          } catch (error) {
            failures++;
            io.writeLine(JSON.stringify(errorRecord(file, error)));
          }
        }
      });
      if (failures > 0) process.exitCode = 1;
    });

  face
    .command('compare')
    .description('Print the cosine similarity of the primary face of two images')
    .argument('<a>', 'first image')
    .argument('<b>', 'second image')
    .option('--workers <n>', 'worker threads (default: one per core)', positiveInteger)
    .action(async (first: string, second: string, options: { workers?: number }) => {
      await withEngine(io, options.workers, async (engine) => {
        const [a, b] = await Promise.all(
          [first, second].map(
            async (file) =>
              (
                await engine.analyze(await readFile(file), {
                  maxFaces: 1,
                  crop: 'none',
                })
              ).faces[0],
          ),
        );
        const missing = [a === undefined ? first : null, b === undefined ? second : null].filter(
          (file) => file !== null,
        );
        if (a === undefined || b === undefined) {
          io.writeLine(
            JSON.stringify({
              a: first,
              b: second,
              error: { code: 'no_face', message: `No face found in ${missing.join(' and ')}.` },
            }),
          );
          process.exitCode = 1;
          return;
        }
        const similarity = engine.compare(a, b);
        const threshold = engine.config.matching.samePersonThreshold;
        io.writeLine(
          JSON.stringify({
            a: first,
            b: second,
            similarity: round(similarity, 4),
            threshold,
            samePerson: similarity >= threshold,
            qualityPassed: { a: a.quality.passed, b: b.quality.passed },
          }),
        );
      });
    });

  return face;
}
