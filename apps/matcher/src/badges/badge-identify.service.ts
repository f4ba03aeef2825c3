import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditLogService } from '@kuzet/audit-log';
import { IntegratorPrincipal, mayPushFor } from '@kuzet/auth';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { FaceEngine, ImageDecodeError } from '@kuzet/face';
import { FieldErrorsException } from '@kuzet/http';
import { counter } from '@kuzet/observability';
import { CameraRegistryService } from '@kuzet/registry';
import {
  Candidate,
  effectiveInstructions,
  WatchlistIndex,
  WatchlistRepository,
} from '@kuzet/watchlist';
import { HitPublisher } from '../hits/hit.publisher';
import { HitRepository } from '../hits/hit.repository';
import { BadgeHit, IdentifyCommand, IdentifyResponse } from './badge-identify.schemas';

const identifications = counter({
  name: 'kuzet_badge_identifications_total',
  help: 'Identify requests of smart badges answered, by outcome (hit, no_hit)',
  labelNames: ['outcome'] as const,
});

interface Probe {
  readonly embedding: Float32Array;
  readonly modelId: string;
}

interface PersonMatch {
  readonly probe: Probe;
  readonly candidate: Candidate;
}

/** A badge that may ask: the key may identify, and the device is an active badge of the
 * registry within the key's scope. */
export interface Badge {
  readonly deviceId: string;
  readonly districtId: string;
  readonly centreId: string;
}

/** A smart badge asks whether the face in front of its officer is wanted: the face is searched
 * in this matcher's watchlist index (the one camera events are matched against), a hit is
 * recorded in the match log and reaches the officer's centre as a badge_identification alert,
 * and every request, hit or not, is in the audit chain with officer, badge, place and result.
 * A face on no list leaves nothing but that entry (no embedding, no photo). */
@Injectable()
export class BadgeIdentifyService {
  constructor(
    private readonly engine: FaceEngine,
    private readonly index: WatchlistIndex,
    private readonly watchlists: WatchlistRepository,
    private readonly registry: CameraRegistryService,
    private readonly hits: HitRepository,
    private readonly publisher: HitPublisher,
    private readonly audit: AuditLogService,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {}

  /** The badge of a request, or a 403/422 naming the field that is wrong. */
  async badgeOf(integrator: IntegratorPrincipal, deviceId: string | null): Promise<Badge> {
    if (!integrator.mayIdentify) {
      throw refused(
        HttpStatus.FORBIDDEN,
        'X-Api-Key',
        'identify_scope',
        'the API key was not issued with identify',
      );
    }
    const only = integrator.cameraIds.size === 1 ? [...integrator.cameraIds][0]! : null;
    const id = deviceId ?? only;
    if (id === null) {
      throw refused(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'device_id',
        'required',
        'device_id is required: the key’s scope does not name exactly one camera',
      );
    }
    const camera = await this.registry.findCamera(id);
    if (!camera || camera.kind !== 'badge' || camera.status !== 'active') {
      throw refused(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'device_id',
        'unknown_badge',
        `${id} is not an active badge of the registry (kind badge)`,
      );
    }
    if (!mayPushFor(integrator, { cameraId: camera.id, districtId: camera.district_id })) {
      throw refused(
        HttpStatus.FORBIDDEN,
        'device_id',
        'scope',
        `badge ${id} is outside the key’s scope`,
      );
    }
    return { deviceId: camera.id, districtId: camera.district_id, centreId: camera.centre_id };
  }

  async identify(
    command: IdentifyCommand,
    badge: Badge,
    integrator: IntegratorPrincipal,
    now: Date = new Date(),
  ): Promise<IdentifyResponse> {
    const requestId = randomUUID();
    const probes = await this.probesOf(command);
    const matches = this.matchesOf(probes, now);
    const answered: BadgeHit[] = [];
    const recorded: {
      hit_id: string;
      person_id: string;
      watchlist_id: string;
      similarity: number;
    }[] = [];
    for (const { probe, candidate } of matches) {
      const [person, list] = await Promise.all([
        this.watchlists.findPerson(candidate.personId),
        this.watchlists.findList(candidate.watchlistId),
      ]);
      // removed or archived since the index last heard of it: no longer wanted
      if (!person || !list || person.status !== 'active' || list.status !== 'active') continue;
      const { hit } = await this.hits.record(
        {
          eventId: requestId,
          cameraId: badge.deviceId,
          personId: candidate.personId,
          watchlistId: candidate.watchlistId,
          similarity: candidate.similarity,
          threshold: candidate.threshold,
          margin: null,
          modelId: probe.modelId,
          faceCropRef: null,
          capturedAt: now,
        },
        this.config.MATCHER_DEDUP_WINDOW_MS,
        now,
      );
      await this.publisher.publish([hit], command.officerId);
      recorded.push({
        hit_id: hit.hitId,
        person_id: candidate.personId,
        watchlist_id: candidate.watchlistId,
        similarity: round(candidate.similarity),
      });
      const effective = effectiveInstructions(person, list);
      answered.push({
        person_id: person.id,
        full_name: person.fullName,
        case_reference: person.caseReference,
        watchlist_id: list.id,
        list_name: list.name,
        category: list.category,
        instructions: effective.instructions,
        instructions_source: effective.source,
        similarity: round(candidate.similarity),
        threshold: list.similarityThreshold,
      });
    }
    identifications.inc({ outcome: answered.length > 0 ? 'hit' : 'no_hit' });
    await this.audit.append({
      actor: `officer:${command.officerId}`,
      action: 'badge.identified',
      subjectType: 'badge',
      subjectId: badge.deviceId,
      details: {
        request_id: requestId,
        officer_id: command.officerId,
        device_id: badge.deviceId,
        centre_id: badge.centreId,
        key_id: integrator.keyId,
        integrator_id: integrator.integratorId,
        position: command.position,
        input: command.probe.kind,
        result: answered.length > 0 ? 'hit' : 'no_hit',
        hits: recorded,
      },
    });
    return { request_id: requestId, hits: answered };
  }

  private async probesOf(command: IdentifyCommand): Promise<Probe[]> {
    const model = this.engine.models.embedding.modelId;
    if (command.probe.kind === 'embedding') {
      if (command.probe.modelId !== model) {
        throw refused(
          HttpStatus.UNPROCESSABLE_ENTITY,
          'model_id',
          'compatible_model',
          `embeddings must come from ${model}`,
        );
      }
      return [{ embedding: command.probe.embedding, modelId: model }];
    }
    try {
      const analysis = await this.engine.analyze(command.probe.photo, { crop: 'raw' });
      if (analysis.faces.length === 0) {
        throw refused(
          HttpStatus.UNPROCESSABLE_ENTITY,
          'photo',
          'no_face',
          'no face found in the photo',
        );
      }
      const usable = analysis.faces.filter((face) => face.quality.passed);
      if (usable.length === 0) {
        throw refused(
          HttpStatus.UNPROCESSABLE_ENTITY,
          'photo',
          'quality',
          'no face in the photo is sharp, frontal and large enough: take it again',
        );
      }
      return usable.map((face) => ({ embedding: face.embedding, modelId: face.modelId }));
    } catch (error) {
      if (error instanceof ImageDecodeError) {
        throw refused(HttpStatus.UNPROCESSABLE_ENTITY, 'photo', error.code, error.message);
      }
      throw error;
    }
  }

  /** Every person above their list's threshold for any face, each once at their closest face;
   * a match a supervised "not this person" suppresses is no answer. */
  private matchesOf(probes: readonly Probe[], now: Date): PersonMatch[] {
    const byPerson = new Map<string, PersonMatch>();
    for (const probe of probes) {
      for (const candidate of this.index.hits(probe.embedding, now)) {
        if (this.index.suppression(candidate, probe.embedding, now)) continue;
        const known = byPerson.get(candidate.personId);
        if (!known || candidate.similarity > known.candidate.similarity) {
          byPerson.set(candidate.personId, { probe, candidate });
        }
      }
    }
    return [...byPerson.values()].sort((a, b) => b.candidate.similarity - a.candidate.similarity);
  }
}

function refused(
  status: HttpStatus,
  field: string,
  rule: string,
  message: string,
): FieldErrorsException {
  return new FieldErrorsException(status, [{ field, rule, message }], message);
}

function round(similarity: number): number {
  return Math.round(similarity * 10_000) / 10_000;
}
