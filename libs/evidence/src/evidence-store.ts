import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { HitEvidenceEntity } from '@kuzet/persistence';

export interface EvidenceStore {
  /** Idempotent: the same id always names the same content. Returns the reference. */
  put(id: string, jpeg: Buffer, expiresAt: Date): Promise<string>;
  get(ref: string): Promise<Buffer | null>;
}

export const EVIDENCE_STORE = Symbol('EVIDENCE_STORE');

/** Hit evidence in PostgreSQL beside the match log: one backup covers both. */
@Injectable()
export class PostgresEvidenceStore implements EvidenceStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async put(id: string, jpeg: Buffer, expiresAt: Date): Promise<string> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(HitEvidenceEntity)
      .values({ id, contentType: 'image/jpeg', content: jpeg, expiresAt })
      .orIgnore()
      .execute();
    return `pg:${id}`;
  }

  async get(ref: string): Promise<Buffer | null> {
    if (!ref.startsWith('pg:')) return null;
    const row = await this.dataSource
      .getRepository(HitEvidenceEntity)
      .findOneBy({ id: ref.slice('pg:'.length) });
    return row?.content ?? null;
  }
}

/** Hit evidence as files under the data directory; the expiry is kept in the file name's
 * sidecar so a purge needs no database. */
@Injectable()
export class DiskEvidenceStore implements EvidenceStore {
  private readonly dir: string;

  constructor(@Inject(KUZET_CONFIG) config: KuzetConfig) {
    this.dir = join(config.KUZET_DATA_DIR, 'evidence');
  }

  async put(id: string, jpeg: Buffer, expiresAt: Date): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const file = join(this.dir, `${id}.jpg`);
    await writeFile(`${file}.tmp`, jpeg);
    await rename(`${file}.tmp`, file);
    await writeFile(join(this.dir, `${id}.expires`), expiresAt.toISOString());
    return `disk:${id}`;
  }

  async get(ref: string): Promise<Buffer | null> {
    const id = ref.slice('disk:'.length);
    if (!ref.startsWith('disk:') || !/^[0-9a-f-]{36}$/.test(id)) return null;
    return readFile(join(this.dir, `${id}.jpg`)).catch(() => null);
  }

  /** Ids of the crops whose expiry has passed, for the retention purge. */
  async expiredIds(now: Date): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const expired: string[] = [];
    for (const name of names.filter((n) => n.endsWith('.expires'))) {
      const expiresAt = new Date(await readFile(join(this.dir, name), 'utf8').catch(() => ''));
      if (expiresAt.getTime() <= now.getTime()) expired.push(name.slice(0, -'.expires'.length));
    }
    return expired;
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.jpg`), { force: true });
    await rm(join(this.dir, `${id}.expires`), { force: true });
  }
}

/** Reads any evidence reference, whichever store wrote it: `pg:` and `disk:` references both
 * stay readable when EVIDENCE_STORE changes, and every app reads through this one place. */
@Injectable()
export class EvidenceReader {
  constructor(
    private readonly postgres: PostgresEvidenceStore,
    private readonly disk: DiskEvidenceStore,
  ) {}

  get(ref: string): Promise<Buffer | null> {
    if (ref.startsWith('pg:')) return this.postgres.get(ref);
    if (ref.startsWith('disk:')) return this.disk.get(ref);
    return Promise.resolve(null);
  }
}

/** A reference EvidenceReader can read (a crop may also be named by a reference the camera
 * gave, which kuzet cannot fetch). */
export function isEvidenceRef(ref: string | null | undefined): boolean {
  return typeof ref === 'string' && (ref.startsWith('pg:') || ref.startsWith('disk:'));
}
