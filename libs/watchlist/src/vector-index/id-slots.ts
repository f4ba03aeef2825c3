import { checkedId } from './vector-checks';

/**
 * The id <-> row bookkeeping of an index that stores its vectors in dense rows: rows stay
 * packed because removing a row moves the last one into its place.
 */
export class IdSlots {
  private readonly ids: string[] = [];
  private readonly rowById = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  idAt(row: number): string {
    return this.ids[row];
  }

  /** The row of the id, appended when new, after `makeRoom(rowsInUse)` made space for it. */
  rowFor(id: string, makeRoom: (rowsInUse: number) => void): number {
    const row = this.rowById.get(id);
    if (row !== undefined) return row;
    makeRoom(this.ids.length);
    return this.append(id);
  }

  private append(id: string): number {
    checkedId(id);
    const row = this.ids.length;
    this.ids.push(id);
    this.rowById.set(id, row);
    return row;
  }

  /**
   * Forgets the id. Returns undefined when it was not stored; otherwise its row, and the row
   * whose vector the caller must move into it (`movedFrom`, the last row), or null when the
   * removed row was the last.
   */
  release(id: string): { row: number; movedFrom: number | null } | undefined {
    const row = this.rowById.get(id);
    if (row === undefined) return undefined;
    this.rowById.delete(id);
    const lastRow = this.ids.length - 1;
    const lastId = this.ids.pop() as string;
    if (row === lastRow) return { row, movedFrom: null };
    this.ids[row] = lastId;
    this.rowById.set(lastId, row);
    return { row, movedFrom: lastRow };
  }
}
