import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditLogService } from '@kuzet/audit-log';
import { EnrolledFaceEntity, WatchlistEntity, WatchlistPersonEntity } from '@kuzet/persistence';
import { WatchlistChangePublisher } from '../changes/watchlist-change.publisher';
import { FaceEnrolment } from '../enrolment/face-enrolment';
import {
  CreateWatchlistRequest,
  EnrolmentView,
  EnrolPersonRequest,
  PageRequest,
  PersonView,
} from './watchlist.dto';
import { WatchlistRepository } from './watchlist.repository';

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
  ) {}

  /** actor (here and below): who made the change, for the audit log; 'system' for kuzet's own. */
  async createWatchlist(
    request: CreateWatchlistRequest,
    actor = 'system',
  ): Promise<WatchlistEntity> {
    const list = new WatchlistEntity();
    Object.assign(list, {
      id: randomUUID(),
      name: request.name,
      category: request.category,
      similarityThreshold: request.similarityThreshold,
      priority: request.priority,
      expiresAt: request.expiresAt ? new Date(request.expiresAt) : null,
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
    return saved;
  }

  listWatchlists(): Promise<WatchlistEntity[]> {
    return this.repository.listLists();
  }

  async getWatchlist(id: string): Promise<WatchlistEntity> {
    const list = await this.repository.findList(id);
    if (!list) throw new NotFoundException(`watchlist ${id} does not exist`);
    return list;
  }

  async enrolPerson(
    watchlistId: string,
    request: EnrolPersonRequest,
    actor = 'system',
  ): Promise<EnrolmentView> {
    const list = await this.getWatchlist(watchlistId);
    const { faces, outcomes } = await this.enrolment.enrol(
      request.photos.map((photo, i) => ({
        name: photo.name ?? `photo-${i + 1}`,
        bytes: Buffer.from(photo.data, 'base64'),
      })),
    );
    const person = new WatchlistPersonEntity();
    Object.assign(person, {
      id: randomUUID(),
      watchlistId: list.id,
      fullName: request.fullName,
      caseReference: request.caseReference ?? null,
      notes: request.notes ?? null,
      status: faces.length > 0 ? 'active' : 'pending',
      expiresAt: request.expiresAt ? new Date(request.expiresAt) : null,
      version: 1,
    });
    const saved = await this.repository.transaction(async (manager) => {
      const savedPerson = await manager.save(person);
      const savedFaces = await manager.save(
        faces.map((face) =>
          Object.assign(new EnrolledFaceEntity(), {
            id: randomUUID(),
            personId: savedPerson.id,
            embedding: face.embedding,
            modelId: face.modelId,
            quality: face.quality,
            thumbnail: face.thumbnail,
            sourceName: face.photoName,
          }),
        ),
      );
      await this.audit.append(
        {
          actor,
          action: 'watchlist.person-enrolled',
          subjectType: 'person',
          subjectId: savedPerson.id,
          details: { watchlistId, status: savedPerson.status, faces: savedFaces.length },
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
    return { person: toView(saved.person, saved.faces), photos: outcomes };
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
    return toView(person, faces);
  }

  async listPersons(watchlistId: string, page: PageRequest, reader: string): Promise<PersonView[]> {
    await this.getWatchlist(watchlistId);
    const people = await this.repository.listPersons(watchlistId, page.limit, page.offset);
    await this.audit.append({
      actor: reader,
      action: 'watchlist.persons-listed',
      subjectType: 'watchlist',
      subjectId: watchlistId,
      details: { ...page, personIds: people.map((person) => person.id) },
    });
    return people.map((person) => toView(person, []));
  }

  /** Removal keeps the record (hits refer to it) but stops every matcher searching for it. */
  async removePerson(id: string, actor = 'system'): Promise<PersonView> {
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
            details: { watchlistId: found.watchlistId },
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
    return toView(person, faces);
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

function toView(person: WatchlistPersonEntity, faces: readonly EnrolledFaceEntity[]): PersonView {
  return {
    id: person.id,
    watchlistId: person.watchlistId,
    fullName: person.fullName,
    caseReference: person.caseReference,
    notes: person.notes,
    status: person.status,
    expiresAt: person.expiresAt?.toISOString() ?? null,
    version: person.version,
    faces: faces.map((f) => ({
      id: f.id,
      modelId: f.modelId,
      quality: f.quality,
      sourceName: f.sourceName,
    })),
  };
}
