import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditLogService } from '@kuzet/audit-log';
import { EvidenceReader, isEvidenceRef } from '@kuzet/evidence';
import { decodeCursor, encodeCursor, Page, pageOf, PageQuery } from '@kuzet/http';
import {
  AlertEntity,
  EnrolledFaceEntity,
  WatchlistEntity,
  WatchlistPersonEntity,
} from '@kuzet/persistence';
import { EntityManager } from 'typeorm';
import { WatchlistChangePublisher } from '../changes/watchlist-change.publisher';
import {
  EnrolmentPhoto,
  EnrolmentResult,
  FaceEnrolment,
  UsableFace,
} from '../enrolment/face-enrolment';
import {
  AddPhotosRequest,
  ConfirmedHitView,
  CreateWatchlistRequest,
  DuplicateView,
  EnrolmentView,
  EnrolPersonRequest,
  PersonQuery,
  PersonView,
  PhotoCheckRequest,
  PhotoCheckView,
  PhotoRequest,
  UpdatePersonRequest,
  UpdateWatchlistRequest,
  WatchlistQuery,
  WatchlistView,
} from './watchlist.dto';
import { WatchlistRepository } from './watchlist.repository';
import { ListThresholds } from '../learning/list-thresholds';

/** The reason a threshold decision made by editing the list carries in the list's history. */
export const LIST_EDIT_REASON = "set on the list's form by a watchlist administrator";
const DUPLICATE_SCAN_PAGE = 2000;
const MAX_DUPLICATES = 5;

/** Watchlist administration: lists, people and their enrolled faces. A person becomes
 * searchable only with at least one photo that passed the quality gates. */
@Injectable()
export class WatchlistService {
  private readonly logger = new Logger(WatchlistService.name);

  constructor(
    private readonly repository: WatchlistRepository,
    private readonly enrolment: FaceEnrolment,
    private readonly changes: WatchlistChangePublisher,
    private readonly audit: AuditLogService,
    private readonly evidence: EvidenceReader,
    private readonly thresholds: ListThresholds,
  ) {}

  /** actor (here and below): who made the change, for the audit log; 'system' for kuzet's own. */
  async createWatchlist(request: CreateWatchlistRequest, actor = 'system'): Promise<WatchlistView> {
    const list = new WatchlistEntity();
    Object.assign(list, {
      id: randomUUID(),
      name: request.name,
      category: request.category,
      similarityThreshold: request.similarity_threshold,
      priority: request.priority,
      colour: request.colour ?? null,
      instructions: request.instructions ?? null,
      expiresAt: request.expires_at ? new Date(request.expires_at) : null,
      status: 'active',
    });
    const saved = await this.repository.saveList(list);
    await this.audit.append({
      actor,
      action: 'watchlist.created',
      subjectType: 'watchlist',
      subjectId: saved.id,
      details: { name: saved.name, category: saved.category, threshold: saved.similarityThreshold },
    });
    return listView(saved);
  }

  async listWatchlists(query: WatchlistQuery): Promise<Page<WatchlistView>> {
    const lists = (await this.repository.listLists()).filter(
      (list) => !query.status || list.status === query.status,
    );
    return pageOf(lists.map(listView), (list) => `${list.name}\u0000${list.id}`, query);
  }

  async getWatchlist(id: string): Promise<WatchlistView> {
    return listView(await this.listEntity(id));
  }

  private async listEntity(id: string, manager?: EntityManager): Promise<WatchlistEntity> {
    const list = manager
      ? await manager.getRepository(WatchlistEntity).findOneBy({ id })
      : await this.repository.findList(id);
    if (!list) throw new NotFoundException(`watchlist ${id} does not exist`);
    return list;
  }

  /** A change of threshold, expiry or status reaches every matcher the way an enrolment does:
   * each person of the list is published again with a new version (the index keeps a
   * threshold and an expiry per person). */
  /** A new threshold takes the one path every threshold change takes (ListThresholds: checked
   * against the suppression ceiling, a threshold decision in the list's history, audited,
   * republished); the other fields are changed and audited here. */
  async updateWatchlist(
    id: string,
    request: UpdateWatchlistRequest,
    actor: string,
  ): Promise<WatchlistView> {
    return this.changeList(id, actor, 'watchlist.updated', async (list, manager) => {
      const before = {
        name: list.name,
        category: list.category,
        similarity_threshold: list.similarityThreshold,
        priority: list.priority,
        colour: list.colour,
        instructions: list.instructions,
        expires_at: list.expiresAt?.toISOString() ?? null,
      };
      if (request.name !== undefined) list.name = request.name;
      if (request.category !== undefined) list.category = request.category;
      if (request.priority !== undefined) list.priority = request.priority;
      if (request.colour !== undefined) list.colour = request.colour;
      if (request.instructions !== undefined) list.instructions = request.instructions;
      if (request.expires_at !== undefined)
        list.expiresAt = request.expires_at === null ? null : new Date(request.expires_at);
      const threshold = request.similarity_threshold;
      const decided =
        threshold === undefined || Math.abs(threshold - list.similarityThreshold) < 1e-9
          ? null
          : await this.thresholds.decide(
              manager,
              id,
              actor,
              async () => ({
                threshold,
                reason: LIST_EDIT_REASON,
                targetPrecision: null,
                revertsId: null,
              }),
              'similarity_threshold',
            );
      if (decided) list.similarityThreshold = decided.decision.threshold;
      const after = {
        name: list.name,
        category: list.category,
        similarity_threshold: list.similarityThreshold,
        priority: list.priority,
        colour: list.colour,
        instructions: list.instructions,
        expires_at: list.expiresAt?.toISOString() ?? null,
      };
      const changed = Object.fromEntries(
        Object.entries(after).filter(([k, v]) => before[k as keyof typeof before] !== v),
      );
      return {
        details: {
          before,
          after: changed,
          ...(decided ? { thresholdDecisionId: decided.decision.id } : {}),
        },
        republish: before.expires_at !== after.expires_at,
        republished: decided?.people ?? [],
      };
    });
  }

  /** An archived list is no longer searched; its people and hits are kept. */
  async archiveWatchlist(id: string, reason: string, actor: string): Promise<WatchlistView> {
    return this.changeList(id, actor, 'watchlist.archived', async (list) => {
      const republish = list.status !== 'archived';
      list.status = 'archived';
      return { details: { reason }, republish, republished: [] };
    });
  }

  private async changeList(
    id: string,
    actor: string,
    action: string,
    change: (
      list: WatchlistEntity,
      manager: EntityManager,
    ) => Promise<{
      details: Record<string, unknown>;
      republish: boolean;
      /** People a threshold decision already gave a new version, to publish after the commit. */
      republished: string[];
    }>,
  ): Promise<WatchlistView> {
    const { list, people, decided } = await this.repository.transaction(async (manager) => {
      const found = await manager
        .getRepository(WatchlistEntity)
        .findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!found) throw new NotFoundException(`watchlist ${id} does not exist`);
      const { details, republish, republished } = await change(found, manager);
      const saved = await manager.save(found);
      let bumped: WatchlistPersonEntity[] = [];
      if (republish) {
        bumped = (await this.repository.personsOf(id, manager)).filter(
          (p) => p.status === 'active',
        );
        for (const person of bumped) person.version += 1;
        await manager.save(bumped);
      }
      await this.audit.append(
        {
          actor,
          action,
          subjectType: 'watchlist',
          subjectId: id,
          details: { ...details, republished: bumped.length },
        },
        manager,
      );
      const faces = new Map<string, EnrolledFaceEntity[]>();
      for (const person of bumped)
        faces.set(person.id, await this.repository.facesOf(person.id, manager));
      return {
        list: saved,
        people: bumped.map((p) => ({ person: p, faces: faces.get(p.id)! })),
        decided: republished,
      };
    });
    // published after the change is durable; a crash in between is healed by the rebuild
    for (const { person, faces } of people) await this.changes.publish(person, list, faces);
    await this.thresholds.republish(decided.filter((p) => !people.some((b) => b.person.id === p)));
    this.logger.log({ watchlistId: id, action, republished: people.length }, 'watchlist changed');
    return listView(list);
  }

  async enrolPerson(
    watchlistId: string,
    request: EnrolPersonRequest,
    actor = 'system',
  ): Promise<EnrolmentView> {
    const list = await this.listEntity(watchlistId);
    if (request.case_reference) {
      const same = await this.repository.sameCase(watchlistId, request.case_reference);
      if (same.length > 0)
        throw new ConflictException({
          errors: [
            {
              field: 'case_reference',
              rule: 'conflict',
              message: `person ${same[0]!.id} of this list has case ${request.case_reference} already`,
              params: { person_id: same[0]!.id },
            },
          ],
        });
    }
    const { faces, outcomes } = await this.enrolment.enrol(request.photos.map(photoOf));
    const duplicates = await this.likelyDuplicates(faces);
    if (duplicates.length > 0 && !request.confirm_not_duplicate)
      throw new ConflictException({
        errors: [
          {
            field: 'photos',
            rule: 'likely_duplicate',
            message: 'the photos match someone enrolled already; confirm_not_duplicate to enrol',
            params: { candidates: duplicates },
          },
        ],
      });
    const person = new WatchlistPersonEntity();
    Object.assign(person, {
      id: randomUUID(),
      watchlistId: list.id,
      fullName: request.full_name,
      caseReference: request.case_reference ?? null,
      notes: request.notes ?? null,
      instructions: request.instructions ?? null,
      status: faces.length > 0 ? 'active' : 'pending',
      expiresAt: request.expires_at ? new Date(request.expires_at) : null,
      version: 1,
    });
    const saved = await this.repository.transaction(async (manager) => {
      const savedPerson = await manager.save(person);
      const savedFaces = await manager.save(faces.map((face) => faceEntity(savedPerson.id, face)));
      await this.audit.append(
        {
          actor,
          action: 'watchlist.person-enrolled',
          subjectType: 'person',
          subjectId: savedPerson.id,
          details: {
            watchlistId,
            status: savedPerson.status,
            faces: savedFaces.length,
            // whether the person has their own instructions, never their text
            instructions: savedPerson.instructions !== null,
            ...(duplicates.length > 0
              ? { confirmedNotDuplicateOf: duplicates.map((d) => d.person_id) }
              : {}),
          },
        },
        manager,
      );
      return { person: savedPerson, faces: savedFaces };
    });
    if (saved.person.status === 'active') {
      await this.changes.publish(saved.person, list, saved.faces);
    }
    this.logger.log(
      {
        personId: saved.person.id,
        watchlistId,
        enrolled: faces.length,
        rejected: outcomes.length - faces.length,
      },
      'person enrolled',
    );
    return {
      person: personView(saved.person, saved.faces),
      photos: photoResults(outcomes, saved.faces),
      likely_duplicates: duplicates,
    };
  }

  /** More photos of an enrolled person; a pending person becomes searchable with the first
   * usable one. */
  async addPhotos(
    personId: string,
    request: AddPhotosRequest,
    actor: string,
  ): Promise<EnrolmentView> {
    await this.livePerson(personId);
    return this.addFaces(personId, request.photos.map(photoOf), actor, 'watchlist.photos-added');
  }

  /** A person's face hits an operator confirmed, for the administrator to pick a probe to add
   * as a photo; the read is audited with the hits it answered. */
  async confirmedHits(
    personId: string,
    query: PageQuery,
    reader: string,
  ): Promise<Page<ConfirmedHitView>> {
    const person = await this.livePerson(personId);
    const after = query.cursor ? decodeCursor(query.cursor, 2) : undefined;
    const rows = await this.repository.confirmedHits(
      personId,
      after ? [String(after[0]), String(after[1])] : undefined,
      query.limit + 1,
    );
    const hits = rows.slice(0, query.limit);
    const added = await this.repository.facesFromHits(
      personId,
      hits.map((h) => probeSource(h.id)),
    );
    await this.audit.append({
      actor: reader,
      action: 'watchlist.confirmed-hits-viewed',
      subjectType: 'person',
      subjectId: personId,
      details: { watchlistId: person.watchlistId, alertIds: hits.map((h) => h.id) },
    });
    const last = hits[hits.length - 1];
    return {
      items: hits.map((hit) => ({
        alert_id: hit.id,
        camera_id: hit.cameraId,
        captured_at: hit.capturedAt,
        similarity: hit.similarity,
        decided_by: hit.decidedBy,
        decided_at: hit.decidedAt,
        has_crop: isEvidenceRef(hit.faceCropRef),
        added_face_id: added.get(probeSource(hit.id)) ?? null,
      })),
      next_cursor:
        rows.length > query.limit && last
          ? encodeCursor([last.capturedAt.toISOString(), last.id])
          : null,
    };
  }

  /** A confirmed hit's probe crop, audited before the bytes like every face image. */
  async confirmedHitCrop(personId: string, alertId: string, reader: string): Promise<Buffer> {
    const { hit, crop } = await this.probeOf(personId, alertId);
    await this.audit.append({
      actor: reader,
      action: 'watchlist.hit-crop-viewed',
      subjectType: 'alert',
      subjectId: alertId,
      details: { personId, faceCropRef: hit.faceCropRef },
    });
    return crop;
  }

  /** "Add this probe to the person": the crop of a hit an operator confirmed becomes a photo of
   * the person, through the same face-engine check as any photo, and every matcher reloads the
   * person. Only a confirmed hit of this person, and each hit once. */
  async addProbe(personId: string, alertId: string, actor: string): Promise<EnrolmentView> {
    await this.livePerson(personId);
    const { hit, crop } = await this.probeOf(personId, alertId);
    return this.addFaces(
      personId,
      [{ name: probeSource(alertId), bytes: crop }],
      actor,
      'watchlist.probe-added',
      { alertId, cameraId: hit.cameraId, decidedBy: hit.decidedBy },
      async (manager) => {
        const taken = await this.repository.facesFromHits(
          personId,
          [probeSource(alertId)],
          manager,
        );
        if (taken.size > 0)
          throw new ConflictException({
            errors: [
              {
                field: 'alert_id',
                rule: 'conflict',
                message: `the probe of alert ${alertId} is a photo of this person already`,
                params: { face_id: taken.get(probeSource(alertId)) },
              },
            ],
          });
      },
    );
  }

  private async livePerson(personId: string): Promise<WatchlistPersonEntity> {
    const person = await this.repository.findPerson(personId);
    if (!person || person.status === 'removed')
      throw new NotFoundException(`person ${personId} does not exist`);
    return person;
  }

  private async probeOf(
    personId: string,
    alertId: string,
  ): Promise<{ hit: AlertEntity; crop: Buffer }> {
    const hit = await this.repository.confirmedHit(personId, alertId);
    if (!hit)
      throw new NotFoundException(`alert ${alertId} is not a confirmed hit of person ${personId}`);
    const crop = hit.faceCropRef ? await this.evidence.get(hit.faceCropRef) : null;
    if (!crop)
      throw new NotFoundException(
        `alert ${alertId} has no face crop (none sent, or purged after retention)`,
      );
    return { hit, crop };
  }

  /** Photos checked by the face engine and the usable ones saved, audited and published;
   * `guard` runs first in the transaction, with the person locked. */
  private async addFaces(
    personId: string,
    photos: readonly EnrolmentPhoto[],
    actor: string,
    action: string,
    details: Record<string, unknown> = {},
    guard?: (manager: EntityManager) => Promise<void>,
  ): Promise<EnrolmentView> {
    const { faces, outcomes } = await this.enrolment.enrol(photos);
    const duplicates = (await this.likelyDuplicates(faces)).filter((d) => d.person_id !== personId);
    const saved = await this.repository.transaction(async (manager) => {
      const person = await manager
        .getRepository(WatchlistPersonEntity)
        .findOne({ where: { id: personId }, lock: { mode: 'pessimistic_write' } });
      if (!person || person.status === 'removed')
        throw new NotFoundException(`person ${personId} does not exist`);
      if (guard) await guard(manager);
      const savedFaces = await manager.save(faces.map((face) => faceEntity(personId, face)));
      if (savedFaces.length > 0) {
        person.version += 1;
        if (person.status === 'pending') person.status = 'active';
        await manager.save(person);
      }
      await this.audit.append(
        {
          actor,
          action,
          subjectType: 'person',
          subjectId: personId,
          details: {
            watchlistId: person.watchlistId,
            ...details,
            faceIds: savedFaces.map((f) => f.id),
            rejected: outcomes.length - savedFaces.length,
          },
        },
        manager,
      );
      return {
        person,
        faces: await this.repository.facesOf(personId, manager),
        added: savedFaces,
        list: await this.listEntity(person.watchlistId, manager),
      };
    });
    if (saved.added.length > 0) await this.changes.publish(saved.person, saved.list, saved.faces);
    return {
      person: personView(saved.person, saved.faces),
      photos: photoResults(outcomes, saved.added),
      likely_duplicates: duplicates,
    };
  }

  /** A photo removed stops being searched at once; the last one makes the person pending. */
  async removePhoto(personId: string, faceId: string, actor: string): Promise<PersonView> {
    const saved = await this.repository.transaction(async (manager) => {
      const person = await this.repository.findPerson(personId, manager);
      const face = await this.repository.findFace(personId, faceId, manager);
      if (!person || !face || person.status === 'removed')
        throw new NotFoundException(`face ${faceId} of person ${personId} does not exist`);
      await manager.remove(face);
      const faces = await this.repository.facesOf(personId, manager);
      person.version += 1;
      if (faces.length === 0 && person.status === 'active') person.status = 'pending';
      await manager.save(person);
      await this.audit.append(
        {
          actor,
          action: 'watchlist.photo-removed',
          subjectType: 'person',
          subjectId: personId,
          details: { watchlistId: person.watchlistId, faceId },
        },
        manager,
      );
      return { person, faces, list: await this.listEntity(person.watchlistId, manager) };
    });
    await this.changes.publish(saved.person, saved.list, saved.faces);
    return personView(saved.person, saved.faces);
  }

  async updatePerson(id: string, request: UpdatePersonRequest, actor: string): Promise<PersonView> {
    const saved = await this.repository.transaction(async (manager) => {
      const person = await this.repository.findPerson(id, manager);
      if (!person || person.status === 'removed')
        throw new NotFoundException(`person ${id} does not exist`);
      const changed: string[] = [];
      if (request.full_name !== undefined && request.full_name !== person.fullName) {
        person.fullName = request.full_name;
        changed.push('full_name');
      }
      if (request.case_reference !== undefined && request.case_reference !== person.caseReference) {
        person.caseReference = request.case_reference;
        changed.push('case_reference');
      }
      if (request.notes !== undefined && request.notes !== person.notes) {
        person.notes = request.notes;
        changed.push('notes');
      }
      if (request.instructions !== undefined && request.instructions !== person.instructions) {
        person.instructions = request.instructions;
        changed.push('instructions');
      }
      const expiry =
        request.expires_at === undefined
          ? undefined
          : request.expires_at === null
            ? null
            : new Date(request.expires_at);
      if (
        expiry !== undefined &&
        (expiry?.getTime() ?? null) !== (person.expiresAt?.getTime() ?? null)
      ) {
        person.expiresAt = expiry;
        changed.push('expires_at');
      }
      if (changed.includes('expires_at')) person.version += 1;
      await manager.save(person);
      await this.audit.append(
        {
          actor,
          action: 'watchlist.person-updated',
          subjectType: 'person',
          subjectId: id,
          details: { watchlistId: person.watchlistId, changed },
        },
        manager,
      );
      return {
        person,
        faces: await this.repository.facesOf(id, manager),
        list: await this.listEntity(person.watchlistId, manager),
        republish: changed.includes('expires_at') && person.status === 'active',
      };
    });
    if (saved.republish) await this.changes.publish(saved.person, saved.list, saved.faces);
    return personView(saved.person, saved.faces);
  }

  /** What the face engine makes of a photo before it is enrolled: the verdict, every face
   * with its box (to pick one in a group photo), the crop it would enrol, and the people
   * enrolled already whom the chosen face matches. Nothing is stored; the check is audited
   * (the photo is of a person). */
  async checkPhoto(request: PhotoCheckRequest, actor: string): Promise<PhotoCheckView> {
    const name = request.name ?? 'photo';
    const check = await this.enrolment.check({ name, bytes: Buffer.from(request.data, 'base64') });
    const chosen = check.chosen;
    const duplicates = chosen
      ? await this.likelyDuplicates([
          {
            photoName: name,
            embedding: chosen.embedding,
            modelId: chosen.modelId,
            quality: chosen.quality.score,
            thumbnail: chosen.alignedCropJpeg,
          },
        ])
      : [];
    await this.audit.append({
      actor,
      action: 'watchlist.photo-checked',
      subjectType: 'photo',
      subjectId: randomUUID(),
      details: {
        verdict: check.verdict,
        faces: check.faces.length,
        likelyDuplicates: duplicates.map((d) => d.person_id),
      },
    });
    return {
      photo: name,
      verdict: check.verdict,
      width: check.width,
      height: check.height,
      faces: check.faces.map(({ face, verdict }) => ({
        box: {
          x: round(face.box.x),
          y: round(face.box.y),
          width: round(face.box.width),
          height: round(face.box.height),
        },
        verdict,
        quality: face.quality.score,
        crop_jpeg: face.alignedCropJpeg.toString('base64'),
      })),
      likely_duplicates: duplicates,
    };
  }

  /** People enrolled (not removed, on an active list) with a face at or above their list's
   * threshold against one of these faces, best first. A scan of the enrolled faces, a page at
   * a time: enrolment is rare, the matcher's index lives in another process. */
  private async likelyDuplicates(faces: readonly UsableFace[]): Promise<DuplicateView[]> {
    if (faces.length === 0) return [];
    const best = new Map<string, DuplicateView>();
    let after: string | null = null;
    for (;;) {
      const page = await this.repository.enrolledFacesPage(after, DUPLICATE_SCAN_PAGE);
      if (page.length === 0) break;
      for (const row of page) {
        const stored = new Float32Array(row.embedding.byteLength / 4);
        new Uint8Array(stored.buffer).set(row.embedding);
        for (const face of faces) {
          if (face.modelId !== row.model_id || face.embedding.length !== stored.length) continue;
          const similarity = cosine(face.embedding, stored);
          if (similarity < row.threshold) continue;
          const known = best.get(row.person_id);
          if (!known || similarity > known.similarity)
            best.set(row.person_id, {
              person_id: row.person_id,
              watchlist_id: row.watchlist_id,
              full_name: row.full_name,
              case_reference: row.case_reference,
              similarity: round(similarity, 4),
            });
        }
      }
      after = page[page.length - 1]!.id;
    }
    return [...best.values()].sort((a, b) => b.similarity - a.similarity).slice(0, MAX_DUPLICATES);
  }

  /** Reads of a person, a list of people or a face are audited (reader: who read, for the
   * audit log), the entry written before the answer: if it cannot be written, the read fails. */
  async getPerson(id: string, reader: string): Promise<PersonView> {
    const person = await this.repository.findPerson(id);
    if (!person) throw new NotFoundException(`person ${id} does not exist`);
    const faces = await this.repository.facesOf(id);
    await this.audit.append({
      actor: reader,
      action: 'watchlist.person-viewed',
      subjectType: 'person',
      subjectId: id,
      details: { watchlistId: person.watchlistId },
    });
    return personView(person, faces);
  }

  /** People of one list (watchlistId) or of every list, by name; the search is audited with
   * its filters and the people it answered. */
  async listPersons(query: PersonQuery, reader: string): Promise<Page<PersonView>> {
    if (query.watchlist_id) await this.listEntity(query.watchlist_id);
    const after = query.cursor ? decodeCursor(query.cursor, 2) : undefined;
    const rows = await this.repository.listPersons({
      watchlistId: query.watchlist_id,
      name: query.name,
      caseReference: query.case_reference,
      status: query.status,
      after: after ? [String(after[0]), String(after[1])] : undefined,
      limit: query.limit + 1,
    });
    const people = rows.slice(0, query.limit);
    const last = people[people.length - 1];
    const filters = Object.fromEntries(
      (['name', 'case_reference', 'status'] as const)
        .filter((k) => query[k] !== undefined)
        .map((k) => [k, query[k]]),
    );
    await this.audit.append({
      actor: reader,
      action: query.watchlist_id ? 'watchlist.persons-listed' : 'watchlist.persons-searched',
      subjectType: query.watchlist_id ? 'watchlist' : 'person',
      subjectId: query.watchlist_id ?? '*',
      details: {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...filters,
        personIds: people.map((person) => person.id),
      },
    });
    return {
      items: people.map((person) => personView(person, [])),
      next_cursor:
        rows.length > query.limit && last
          ? encodeCursor([last.fullName.toLowerCase(), last.id])
          : null,
    };
  }

  /** Removal keeps the record (hits refer to it) but stops every matcher searching for it. */
  async removePerson(id: string, reason: string, actor = 'system'): Promise<PersonView> {
    const { person, faces, list } = await this.repository.transaction(async (manager) => {
      const found = await this.repository.findPerson(id, manager);
      if (!found) throw new NotFoundException(`person ${id} does not exist`);
      if (found.status !== 'removed') {
        found.status = 'removed';
        found.version += 1;
        await manager.save(found);
        await this.audit.append(
          {
            actor,
            action: 'watchlist.person-removed',
            subjectType: 'person',
            subjectId: id,
            details: { watchlistId: found.watchlistId, reason },
          },
          manager,
        );
      }
      const owner = await manager
        .getRepository(WatchlistEntity)
        .findOneByOrFail({ id: found.watchlistId });
      return { person: found, faces: await this.repository.facesOf(id, manager), list: owner };
    });
    await this.changes.publish(person, list, faces);
    this.logger.log({ personId: id }, 'person removed');
    return personView(person, faces);
  }

  async faceThumbnail(personId: string, faceId: string, reader: string): Promise<Buffer> {
    const face = await this.repository.findFace(personId, faceId);
    if (!face) throw new NotFoundException(`face ${faceId} of person ${personId} does not exist`);
    await this.audit.append({
      actor: reader,
      action: 'watchlist.face-viewed',
      subjectType: 'person',
      subjectId: personId,
      details: { faceId },
    });
    return face.thumbnail;
  }
}

/** Each photo's verdict, with the id of the face it enrolled (`saved`: the faces this call
 * saved, in the order the enrolment returned them). */
function photoResults(outcomes: EnrolmentResult['outcomes'], saved: readonly { id: string }[]) {
  return outcomes.map((o) => ({
    photo: o.photo,
    status: o.status,
    verdict: o.verdict,
    face_id: o.faceIndex === null ? null : saved[o.faceIndex]!.id,
  }));
}

/** The source name of a face made from a hit's probe: it names the alert, and makes a second
 * add of the same probe detectable. */
function probeSource(alertId: string): string {
  return `hit:${alertId}`;
}

function photoOf(photo: PhotoRequest, i: number): EnrolmentPhoto {
  return {
    name: photo.name ?? `photo-${i + 1}`,
    bytes: Buffer.from(photo.data, 'base64'),
    ...(photo.face ? { face: photo.face } : {}),
  };
}

function faceEntity(personId: string, face: UsableFace): EnrolledFaceEntity {
  return Object.assign(new EnrolledFaceEntity(), {
    id: randomUUID(),
    personId,
    embedding: face.embedding,
    modelId: face.modelId,
    quality: face.quality,
    thumbnail: face.thumbnail,
    sourceName: face.photoName,
  });
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function listView(list: WatchlistEntity): WatchlistView {
  return {
    id: list.id,
    name: list.name,
    category: list.category,
    similarity_threshold: list.similarityThreshold,
    priority: list.priority,
    colour: list.colour ?? null,
    instructions: list.instructions ?? null,
    expires_at: list.expiresAt,
    status: list.status,
    created_at: list.createdAt,
    updated_at: list.updatedAt,
  };
}

function personView(
  person: WatchlistPersonEntity,
  faces: readonly EnrolledFaceEntity[],
): PersonView {
  return {
    id: person.id,
    watchlist_id: person.watchlistId,
    full_name: person.fullName,
    case_reference: person.caseReference,
    notes: person.notes,
    instructions: person.instructions ?? null,
    status: person.status,
    expires_at: person.expiresAt?.toISOString() ?? null,
    version: person.version,
    faces: faces.map((f) => ({
      id: f.id,
      model_id: f.modelId,
      quality: f.quality,
      source_name: f.sourceName,
    })),
  };
}
