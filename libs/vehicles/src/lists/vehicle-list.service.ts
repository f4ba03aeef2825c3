import { HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AuditLogService } from '@kuzet/audit-log';
import { normalisePlate } from '../plates/normalise';
import { VehicleListChangePublisher } from './vehicle-list-change.publisher';
import { decodeCursor, encodeCursor, FieldErrorsException, Page } from '@kuzet/http';
import {
  AddVehicleEntryRequest,
  CreateVehicleListRequest,
  UpdateVehicleListRequest,
  VehicleEntryQuery,
} from './vehicle-list.dto';
import {
  VehicleEntryRow,
  VehicleListChange,
  VehicleListRepository,
  VehicleListRow,
} from './vehicle-list.repository';

export type EntryOutcome = 'added' | 'changed' | 'unchanged';

/** Vehicle list administration. Adding a plate that is already on the list changes that entry
 * (idempotent by list and normalised plate), so re-importing a file adds nothing twice. */
@Injectable()
export class VehicleListService {
  constructor(
    private readonly repository: VehicleListRepository,
    private readonly changes: VehicleListChangePublisher,
    private readonly audit: AuditLogService,
  ) {}

  async createList(request: CreateVehicleListRequest, actor: string): Promise<VehicleListRow> {
    const list = await this.repository.insertList({
      id: randomUUID(),
      name: request.name,
      category: request.category,
      priority: request.priority,
      matchPolicy: request.match_policy,
      expiresAt: request.expires_at ? new Date(request.expires_at) : null,
      createdBy: actor,
    });
    await this.audit.append({
      actor,
      action: 'vehicle-list.created',
      subjectType: 'vehicle_list',
      subjectId: list.id,
      details: { name: list.name, category: list.category, matchPolicy: list.matchPolicy },
    });
    return list;
  }

  lists(): Promise<VehicleListRow[]> {
    return this.repository.lists();
  }

  async list(id: string): Promise<VehicleListRow> {
    const list = await this.repository.list(id);
    if (!list) throw new NotFoundException(`vehicle list ${id} does not exist`);
    return list;
  }

  /** Changes a list's fields. Category, priority, match policy and expiry travel with every
   * plate's snapshot, so when one of them changes every active plate of the list gets a new
   * version and is republished: each matcher applies the change within moments. */
  async updateList(
    id: string,
    request: UpdateVehicleListRequest,
    actor: string,
  ): Promise<VehicleListRow> {
    const change: VehicleListChange = {
      name: request.name,
      category: request.category,
      priority: request.priority,
      matchPolicy: request.match_policy,
      expiresAt:
        request.expires_at === undefined
          ? undefined
          : request.expires_at === null
            ? null
            : new Date(request.expires_at),
    };
    return this.changeList(id, actor, async (before, manager) => {
      const after = await this.repository.updateList(id, change, manager);
      const fields = {
        name: [before.name, after.name],
        category: [before.category, after.category],
        priority: [before.priority, after.priority],
        match_policy: [before.matchPolicy, after.matchPolicy],
        expires_at: [
          before.expiresAt?.toISOString() ?? null,
          after.expiresAt?.toISOString() ?? null,
        ],
      };
      const changed = Object.fromEntries(
        Object.entries(fields)
          .filter(([, [from, to]]) => from !== to)
          .map(([field, [from, to]]) => [field, { from, to }]),
      );
      const republish = Object.keys(changed).some((field) => field !== 'name');
      return { list: after, action: 'vehicle-list.updated', details: { changed }, republish };
    });
  }

  /** Archives a list with a reason: its plates leave every matcher's index (republished as
   * removed) and the rebuild skips them; entries and hits are kept for the record. */
  async archiveList(id: string, reason: string, actor: string): Promise<VehicleListRow> {
    return this.changeList(id, actor, async (_before, manager) => ({
      list: await this.repository.archiveList(id, reason, actor, manager),
      action: 'vehicle-list.archived',
      details: { reason },
      republish: true,
    }));
  }

  /** One change of a live list in a transaction with its audit row; an archived list answers
   * 409 (it is kept as it was archived). Plates are republished after the commit. */
  private async changeList(
    id: string,
    actor: string,
    change: (
      before: VehicleListRow,
      manager: EntityManager,
    ) => Promise<{
      list: VehicleListRow;
      action: string;
      details: Record<string, unknown>;
      republish: boolean;
    }>,
  ): Promise<VehicleListRow> {
    const { list, plates } = await this.repository.transaction(async (manager) => {
      const before = await this.repository.lockList(id, manager);
      if (!before) throw new NotFoundException(`vehicle list ${id} does not exist`);
      if (before.archivedAt !== null) throw archived(id);
      const { list, action, details, republish } = await change(before, manager);
      const plates = republish ? await this.repository.bumpActiveEntries(id, manager) : [];
      await this.audit.append(
        {
          actor,
          action,
          subjectType: 'vehicle_list',
          subjectId: id,
          details: { ...details, republished: plates.length },
        },
        manager,
      );
      return { list, plates };
    });
    // published after the change is durable; a crash in between is healed by the rebuild
    for (const plate of plates) await this.changes.publish(plate, list);
    return list;
  }

  /** Plates of a list; the read, and a search by plate above all, is audited with what it
   * answered, as searches of persons are. */
  async entries(
    listId: string,
    query: VehicleEntryQuery,
    reader: string,
  ): Promise<Page<VehicleEntryRow>> {
    await this.list(listId);
    const after = query.cursor ? decodeCursor(query.cursor, 2) : undefined;
    const prefix =
      query.plate === undefined ? undefined : (normalisePlate(query.plate)?.text ?? query.plate);
    const rows = await this.repository.entries(listId, {
      after: after ? [String(after[0]), String(after[1])] : undefined,
      plate: prefix,
      limit: query.limit + 1,
    });
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    await this.audit.append({
      actor: reader,
      action:
        query.plate === undefined ? 'vehicle-list.entries-listed' : 'vehicle-list.entries-searched',
      subjectType: 'vehicle_list',
      subjectId: listId,
      details: {
        limit: query.limit,
        ...(query.cursor ? { cursor: query.cursor } : {}),
        ...(query.plate === undefined ? {} : { plate: query.plate, plateSearched: prefix }),
        entryIds: items.map((entry) => entry.id),
      },
    });
    return {
      items,
      next_cursor: rows.length > query.limit && last ? encodeCursor([last.plate, last.id]) : null,
    };
  }

  async addEntry(
    listId: string,
    request: AddVehicleEntryRequest,
    actor: string,
  ): Promise<{ entry: VehicleEntryRow; outcome: EntryOutcome }> {
    const list = await this.list(listId);
    if (list.archivedAt !== null) throw archived(listId);
    const plate = normalisePlate(request.plate)!.text;
    const expiresAt = request.expires_at ? new Date(request.expires_at) : null;
    const { entry, outcome } = await this.repository.transaction(async (manager) => {
      const existing = await this.repository.activeEntry(listId, plate, manager);
      const wanted = {
        plateAsListed: request.plate,
        caseReference: request.case_reference ?? null,
        description: request.description ?? null,
        expiresAt,
      };
      if (existing && same(existing, wanted))
        return { entry: existing, outcome: 'unchanged' as const };
      const saved = await this.repository.saveEntry(
        {
          id: existing?.id ?? randomUUID(),
          listId,
          plate,
          ...wanted,
          status: 'active',
          version: (existing?.version ?? 0) + 1,
        },
        manager,
      );
      await this.audit.append(
        {
          actor,
          action: existing ? 'vehicle-list.entry-changed' : 'vehicle-list.entry-added',
          subjectType: 'vehicle_list_entry',
          subjectId: saved.id,
          details: { listId, plate, caseReference: saved.caseReference },
        },
        manager,
      );
      return { entry: saved, outcome: existing ? ('changed' as const) : ('added' as const) };
    });
    // published after the change is durable; a crash in between is healed by the rebuild
    if (outcome !== 'unchanged') await this.changes.publish(entry, list);
    return { entry, outcome };
  }

  async removeEntry(entryId: string, actor: string): Promise<VehicleEntryRow> {
    const removed = await this.repository.transaction(async (manager) => {
      const entry = await this.repository.entry(entryId, manager);
      if (!entry || entry.status !== 'active')
        throw new NotFoundException(`vehicle list entry ${entryId} does not exist`);
      const saved = await this.repository.saveEntry(
        { ...entry, status: 'removed', version: entry.version + 1 },
        manager,
      );
      await this.audit.append(
        {
          actor,
          action: 'vehicle-list.entry-removed',
          subjectType: 'vehicle_list_entry',
          subjectId: entryId,
          details: { listId: entry.listId, plate: entry.plate },
        },
        manager,
      );
      return saved;
    });
    await this.changes.publish(removed, await this.list(removed.listId));
    return removed;
  }
}

function archived(id: string): FieldErrorsException {
  const message = `vehicle list ${id} is archived: it is kept as it was`;
  return new FieldErrorsException(
    HttpStatus.CONFLICT,
    [{ field: '$', rule: 'archived', message }],
    message,
  );
}

function same(
  a: VehicleEntryRow,
  b: Pick<VehicleEntryRow, 'plateAsListed' | 'caseReference' | 'description' | 'expiresAt'>,
): boolean {
  return (
    a.plateAsListed === b.plateAsListed &&
    a.caseReference === b.caseReference &&
    a.description === b.description &&
    (a.expiresAt?.getTime() ?? null) === (b.expiresAt?.getTime() ?? null)
  );
}
