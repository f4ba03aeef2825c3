import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { CameraEvent, FacePicture, timestampDate } from '@kuzet/contracts';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { type AnalyzeOptions, FaceEngine, ImageDecodeError } from '@kuzet/face';
import { CAMERA_EVENT_REJECTIONS, RejectedMessageError } from '@kuzet/messaging';
import { counter } from '@kuzet/observability';
import { WatchlistHitEntity } from '@kuzet/persistence';
import { Candidate, SearchOutcome, Suppression, WatchlistIndex } from '@kuzet/watchlist';
import { EVIDENCE_STORE, EvidenceStore } from '@kuzet/evidence';
import { HitPublisher } from '../hits/hit.publisher';
import { HitRepository } from '../hits/hit.repository';
import { SuppressionRepository } from '../hits/suppression.repository';
import { CameraFaceSettings } from './camera-face-settings';

const probes = counter({
  name: 'kuzet_matcher_probe_faces_total',
  help: 'Faces searched against the watchlists, by outcome',
  labelNames: ['outcome'] as const,
});

interface ProbeFace {
  readonly embedding: Float32Array;
  readonly modelId: string;
  /** The probe crop as sent by the edge, or encoded from the frame only for a hit. */
  crop(): Promise<Buffer | null>;
}

interface PersonMatch {
  readonly probe: ProbeFace;
  readonly best: Candidate;
  readonly runnerUp: Candidate | null;
  /** The negative example that keeps this match from alerting, if one does. */
  readonly suppressedBy: Suppression | null;
}

/** A camera event's faces -> the watchlists -> hits in the match log and on the hits topic.
 * Faces that match nothing leave no trace but a counter. */
@Injectable()
export class MatchingService {
  constructor(
    private readonly engine: FaceEngine,
    private readonly index: WatchlistIndex,
    private readonly hits: HitRepository,
    private readonly suppressions: SuppressionRepository,
    private readonly publisher: HitPublisher,
    @Inject(EVIDENCE_STORE) private readonly evidence: EvidenceStore,
    @Inject(KUZET_CONFIG) private readonly config: KuzetConfig,
    private readonly cameras: CameraFaceSettings,
  ) {}

  async match(event: CameraEvent): Promise<WatchlistHitEntity[]> {
    return this.matchMany([event]);
  }

  /** Consecutive events of one partition: every face of the batch searched in one pass over the
   * index, then each event's hits recorded in order, and published together once all of them
   * are durable. */
  async matchMany(events: readonly CameraEvent[]): Promise<WatchlistHitEntity[]> {
    const facesOf: ProbeFace[][] = [];
    for (const event of events) facesOf.push(await this.probeFaces(event));
    const outcomes = this.index.searchMany(facesOf.flat().map((face) => face.embedding));
    const recorded: WatchlistHitEntity[] = [];
    let at = 0;
    for (const [i, event] of events.entries()) {
      const faces = facesOf[i]!;
      const found = this.bestPerPerson(faces, outcomes.slice(at, at + faces.length));
      at += faces.length;
      if (found.length > 0) recorded.push(...(await this.record(event, found)));
    }
    // published after the match log is durable; a crash in between republishes on redelivery
    if (recorded.length > 0) await this.publisher.publish(recorded);
    return recorded;
  }

  private async record(event: CameraEvent, found: PersonMatch[]): Promise<WatchlistHitEntity[]> {
    const capturedAt = event.capturedAt ? timestampDate(event.capturedAt) : new Date();
    const matches: PersonMatch[] = [];
    for (const match of found) {
      if (!match.suppressedBy) {
        matches.push(match);
        continue;
      }
      const { negativeId, negativeSimilarity, policy } = match.suppressedBy;
      await this.suppressions.record({
        eventId: event.eventId,
        cameraId: event.cameraId,
        personId: match.best.personId,
        watchlistId: match.best.watchlistId,
        negativeId,
        similarity: match.best.similarity,
        negativeSimilarity,
        margin: policy.margin,
        ceiling: policy.ceiling,
        capturedAt,
      });
    }
    if (matches.length === 0) return [];
    const expiresAt = new Date(Date.now() + this.config.EVIDENCE_RETENTION_DAYS * 86_400_000);
    const recorded: WatchlistHitEntity[] = [];
    for (const match of matches) {
      const cropJpeg = await match.probe.crop();
      const faceCropRef = cropJpeg
        ? await this.evidence.put(
            evidenceId(event.eventId, match.best.personId),
            cropJpeg,
            expiresAt,
          )
        : event.payload.case === 'faceObservation'
          ? event.payload.value.frameRef || null
          : null;
      const { hit } = await this.hits.record(
        {
          eventId: event.eventId,
          cameraId: event.cameraId,
          personId: match.best.personId,
          watchlistId: match.best.watchlistId,
          similarity: match.best.similarity,
          threshold: match.best.threshold,
          margin: match.runnerUp ? match.best.similarity - match.runnerUp.similarity : null,
          modelId: match.probe.modelId,
          faceCropRef,
          capturedAt,
        },
        this.config.MATCHER_DEDUP_WINDOW_MS,
        new Date(),
        { embedding: match.probe.embedding, modelId: match.probe.modelId, expiresAt },
      );
      recorded.push(hit);
    }
    return recorded;
  }

  private async probeFaces(event: CameraEvent): Promise<ProbeFace[]> {
    const embeddingModel = this.engine.models.embedding.modelId;
    switch (event.payload.case) {
      case 'faceObservation': {
        const observation = event.payload.value;
        if (observation.modelId !== embeddingModel) {
          throw new RejectedMessageError(CAMERA_EVENT_REJECTIONS.incompatibleModel, [
            {
              field: 'payload.face_observation.model_id',
              rule: 'compatible_model',
              message: `embeddings must come from ${embeddingModel}`,
            },
          ]);
        }
        const crop = observation.cropJpeg?.length ? Buffer.from(observation.cropJpeg) : null;
        return [
          {
            embedding: normalised(observation.embedding),
            modelId: observation.modelId,
            crop: () => Promise.resolve(crop),
          },
        ];
      }
      case 'faceFrame': {
        try {
          const frame = event.payload.value;
          // most faces match nothing: their crops are kept as pixels and never encoded
          const options: AnalyzeOptions = { crop: 'raw' };
          const analysis = await this.engine.analyze(
            frame.jpeg,
            frame.picture === FacePicture.FACE_CROP
              ? { ...options, picture: 'face_crop' }
              : { ...options, ...(await this.sceneOptions(event.cameraId)) },
          );
          const usable = analysis.faces.filter((face) => face.quality.passed);
          probes.inc({ outcome: 'quality_rejected' }, analysis.faces.length - usable.length);
          return usable.map((face) => ({
            embedding: face.embedding,
            modelId: face.modelId,
            crop: () => this.engine.cropJpeg(face),
          }));
        } catch (error) {
          if (error instanceof ImageDecodeError) {
            throw new RejectedMessageError(CAMERA_EVENT_REJECTIONS.undecodableImage, [
              { field: 'payload.face_frame.jpeg', rule: error.code, message: error.message },
            ]);
          }
          throw error;
        }
      }
      default:
        return [];
    }
  }

  /** A scene frame is searched down to its camera's minimum face size, if the registry sets one. */
  private async sceneOptions(cameraId: string): Promise<AnalyzeOptions> {
    const minFacePx = await this.cameras.minFacePx(cameraId);
    return minFacePx === null ? {} : { minFaceSizePx: minFacePx };
  }

  /** A person seen twice in one frame is one sighting: keep their closest face. */
  private bestPerPerson(
    faces: readonly ProbeFace[],
    outcomes: readonly SearchOutcome[],
  ): PersonMatch[] {
    const byPerson = new Map<string, PersonMatch>();
    for (const [i, probe] of faces.entries()) {
      const { best, runnerUp } = outcomes[i]!;
      if (!best || best.similarity < best.threshold) {
        probes.inc({ outcome: 'no_match' });
        continue;
      }
      const suppressedBy = this.index.suppression(best, probe.embedding);
      probes.inc({ outcome: suppressedBy ? 'suppressed' : 'hit' });
      const known = byPerson.get(best.personId);
      if (!known || best.similarity > known.best.similarity) {
        byPerson.set(best.personId, { probe, best, runnerUp, suppressedBy });
      }
    }
    return [...byPerson.values()];
  }
}

/** Indexed loops: Float32Array.from and for-of over a 512-number array cost 15 µs an event. */
function normalised(values: readonly number[]): Float32Array {
  const length = values.length;
  let sumOfSquares = 0;
  for (let i = 0; i < length; i++) sumOfSquares += values[i]! * values[i]!;
  const inverseNorm = 1 / Math.sqrt(sumOfSquares);
  const vector = new Float32Array(length);
  for (let i = 0; i < length; i++) vector[i] = values[i]! * inverseNorm;
  return vector;
}

/** The same event and person always name the same evidence, so a redelivery overwrites
 * instead of leaving an orphan. */
function evidenceId(eventId: string, personId: string): string {
  const hex = createHash('sha256').update(`${eventId}/${personId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
