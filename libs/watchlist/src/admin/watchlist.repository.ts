import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import {
  AlertEntity,
  EnrolledFaceEntity,
  WatchlistEntity,
  WatchlistPersonEntity,
} from '@kuzet/persistence';

export interface SearchablePerson {
  readonly person: WatchlistPersonEntity;
  readonly list: WatchlistEntity;
  readonly faces: readonly EnrolledFaceEntity[];
}

@Injectable()
export class WatchlistRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  saveList(list: WatchlistEntity): Promise<WatchlistEntity> {
    return this.dataSource.getRepository(WatchlistEntity).save(list);
  }

  findList(id: string): Promise<WatchlistEntity | null> {
    return this.dataSource.getRepository(WatchlistEntity).findOneBy({ id });
  }

  listLists(): Promise<WatchlistEntity[]> {
    return this.dataSource
      .getRepository(WatchlistEntity)
      .find({ order: { priority: 'DESC', name: 'ASC' } });
  }

  findPerson(id: string, manager: EntityManager = this.dataSource.manager) {
    return manager.getRepository(WatchlistPersonEntity).findOneBy({ id });
  }

  /** Which of these people exist, in one statement (ids in lower case). */
  async existingPersonIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.dataSource
      .getRepository(WatchlistPersonEntity)
      .find({ select: { id: true }, where: { id: In([...new Set(ids)]) } });
    return new Set(rows.map((row) => row.id.toLowerCase()));
  }

  /** People by name (lower case) then id, a page at a time; `name` matches any part of the
   * full name, `caseReference` the whole case number, both in any case. */
  listPersons(filter: {
    readonly watchlistId?: string;
    readonly name?: string;
    readonly caseReference?: string;
    readonly status?: string;
    readonly after?: readonly [string, string];
    readonly limit: number;
  }): Promise<WatchlistPersonEntity[]> {
    const query = this.dataSource
      .getRepository(WatchlistPersonEntity)
      .createQueryBuilder('person')
      .where('TRUE');
    if (filter.watchlistId)
      query.andWhere('person.watchlist_id = :watchlistId', { watchlistId: filter.watchlistId });
    if (filter.name)
      query.andWhere(`lower(person.full_name) LIKE :name ESCAPE '\\'`, {
        name: `%${filter.name.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
      });
    if (filter.caseReference)
      query.andWhere('lower(person.case_reference) = :caseReference', {
        caseReference: filter.caseReference.toLowerCase(),
      });
    if (filter.status) query.andWhere('person.status = :status', { status: filter.status });
    if (filter.after)
      query.andWhere('(lower(person.full_name), person.id) > (:afterName, :afterId)', {
        afterName: filter.after[0],
        afterId: filter.after[1],
      });
    return query
      .orderBy('lower(person.full_name)', 'ASC')
      .addOrderBy('person.id', 'ASC')
      .limit(filter.limit)
      .getMany();
  }

  /** People of a list (pending or active) with this case number, for a repeated enrolment. */
  sameCase(watchlistId: string, caseReference: string): Promise<WatchlistPersonEntity[]> {
    return this.dataSource
      .getRepository(WatchlistPersonEntity)
      .createQueryBuilder('person')
      .where('person.watchlist_id = :watchlistId', { watchlistId })
      .andWhere('lower(person.case_reference) = :ref', { ref: caseReference.toLowerCase() })
      .andWhere(`person.status IN ('pending', 'active')`)
      .getMany();
  }

  /** People of a list, for a change of the list that every matcher must see. */
  personsOf(watchlistId: string, manager: EntityManager): Promise<WatchlistPersonEntity[]> {
    return manager.getRepository(WatchlistPersonEntity).find({ where: { watchlistId } });
  }

  /** Enrolled faces of people not removed, with their list's threshold, a page at a time
   * (keyset on the face id), for the likely-duplicate check. */
  enrolledFacesPage(
    afterId: string | null,
    limit: number,
  ): Promise<
    {
      id: string;
      person_id: string;
      embedding: Buffer;
      model_id: string;
      threshold: number;
      watchlist_id: string;
      full_name: string;
      case_reference: string | null;
    }[]
  > {
    return this.dataSource.query(
      `SELECT face.id, face.person_id, face.embedding, face.model_id, list.similarity_threshold AS threshold,
              person.watchlist_id, person.full_name, person.case_reference
         FROM enrolled_face face
         JOIN watchlist_person person ON person.id = face.person_id
         JOIN watchlist list ON list.id = person.watchlist_id
        WHERE person.status IN ('pending', 'active') AND list.status = 'active'
          AND ($1::uuid IS NULL OR face.id > $1::uuid)
        ORDER BY face.id LIMIT $2`,
      [afterId, limit],
    );
  }

  facesOf(personId: string, manager: EntityManager = this.dataSource.manager) {
    return manager
      .getRepository(EnrolledFaceEntity)
      .find({ where: { personId }, order: { createdAt: 'ASC' } });
  }

  /** A person's face hits an operator confirmed, newest event first (keyset on captured_at
   * then id, descending). */
  confirmedHits(
    personId: string,
    after: readonly [string, string] | undefined,
    limit: number,
  ): Promise<AlertEntity[]> {
    const query = this.dataSource
      .getRepository(AlertEntity)
      .createQueryBuilder('alert')
      .where(`alert.person_id = :personId AND alert.kind = 'watchlist_hit'`, { personId })
      .andWhere(`alert.state = 'confirmed'`);
    if (after)
      query.andWhere('(alert.captured_at, alert.id) < (:at, :id)', { at: after[0], id: after[1] });
    return query
      .orderBy('alert.captured_at', 'DESC')
      .addOrderBy('alert.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  confirmedHit(
    personId: string,
    alertId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<AlertEntity | null> {
    return manager.getRepository(AlertEntity).findOneBy({
      id: alertId,
      personId,
      kind: 'watchlist_hit',
      state: 'confirmed',
    });
  }

  /** The faces of a person made from hits' probes, by the source name they were given. */
  async facesFromHits(
    personId: string,
    sourceNames: readonly string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Map<string, string>> {
    if (sourceNames.length === 0) return new Map();
    const rows = await manager
      .getRepository(EnrolledFaceEntity)
      .createQueryBuilder('face')
      .where('face.person_id = :personId AND face.source_name IN (:...sourceNames)', {
        personId,
        sourceNames,
      })
      .getMany();
    return new Map(rows.map((f) => [f.sourceName!, f.id]));
  }

  findFace(
    personId: string,
    faceId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<EnrolledFaceEntity | null> {
    return manager.getRepository(EnrolledFaceEntity).findOneBy({ id: faceId, personId });
  }

  /** Active people on active, unexpired lists, with their faces, a page at a time
   * (keyset on id) so a rebuild of a large watchlist never holds it all twice. */
  async searchablePage(
    afterId: string | null,
    limit: number,
    now: Date,
  ): Promise<SearchablePerson[]> {
    const people = await this.dataSource
      .getRepository(WatchlistPersonEntity)
      .createQueryBuilder('person')
      .innerJoin(WatchlistEntity, 'list', 'list.id = person.watchlist_id')
      .where(`person.status = 'active' AND list.status = 'active'`)
      .andWhere('(person.expires_at IS NULL OR person.expires_at > :now)', { now })
      .andWhere('(list.expires_at IS NULL OR list.expires_at > :now)', { now })
      .andWhere(afterId ? 'person.id > :afterId' : 'TRUE', { afterId })
      .orderBy('person.id', 'ASC')
      .limit(limit)
      .getMany();
    if (people.length === 0) return [];
    const lists = await this.dataSource
      .getRepository(WatchlistEntity)
      .createQueryBuilder('list')
      .where('list.id IN (:...ids)', { ids: [...new Set(people.map((p) => p.watchlistId))] })
      .getMany();
    const faces = await this.dataSource
      .getRepository(EnrolledFaceEntity)
      .createQueryBuilder('face')
      .where('face.person_id IN (:...ids)', { ids: people.map((p) => p.id) })
      .getMany();
    const listById = new Map(lists.map((l) => [l.id, l]));
    const facesByPerson = new Map<string, EnrolledFaceEntity[]>();
    for (const face of faces) {
      facesByPerson.set(face.personId, [...(facesByPerson.get(face.personId) ?? []), face]);
    }
    return people.map((person) => ({
      person,
      list: listById.get(person.watchlistId)!,
      faces: facesByPerson.get(person.id) ?? [],
    }));
  }

  countSearchable(now: Date): Promise<number> {
    return this.dataSource
      .getRepository(WatchlistPersonEntity)
      .createQueryBuilder('person')
      .innerJoin(WatchlistEntity, 'list', 'list.id = person.watchlist_id')
      .where(`person.status = 'active' AND list.status = 'active'`)
      .andWhere('(person.expires_at IS NULL OR person.expires_at > :now)', { now })
      .andWhere('(list.expires_at IS NULL OR list.expires_at > :now)', { now })
      .getCount();
  }
}
