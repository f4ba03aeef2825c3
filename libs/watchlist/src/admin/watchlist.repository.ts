import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { EnrolledFaceEntity, WatchlistEntity, WatchlistPersonEntity } from '@kuzet/persistence';

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

  listPersons(
    watchlistId: string,
    limit: number,
    offset: number,
  ): Promise<WatchlistPersonEntity[]> {
    return this.dataSource.getRepository(WatchlistPersonEntity).find({
      where: { watchlistId },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  facesOf(personId: string, manager: EntityManager = this.dataSource.manager) {
    return manager
      .getRepository(EnrolledFaceEntity)
      .find({ where: { personId }, order: { createdAt: 'ASC' } });
  }

  findFace(personId: string, faceId: string): Promise<EnrolledFaceEntity | null> {
    return this.dataSource.getRepository(EnrolledFaceEntity).findOneBy({ id: faceId, personId });
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
