/** How near a read must be to a listed plate; set per list. */
export type MatchPolicy = 'exact' | 'confusion' | 'edit';
export type MatchKind = 'exact' | 'confusion' | 'edit';

export interface ListedPlate {
  readonly entryId: string;
  readonly listId: string;
  /** Normalised (see normalisePlate). */
  readonly plate: string;
  readonly policy: MatchPolicy;
  readonly category: string;
  readonly priority: number;
  /** Epoch ms after which the entry no longer matches; null: never expires. */
  readonly expiresAtMs: number | null;
  /** Normalised reads operators rejected as "not this car" for this entry: no longer a
   * confusion or edit match of it (an exact read still is). */
  readonly rejectedReads?: ReadonlySet<string>;
}

export interface PlateMatch {
  readonly entry: ListedPlate;
  readonly kind: MatchKind;
  /** Position in the listed plate where the read differs; null for exact matches. */
  readonly position: number | null;
}

export interface PlateProbe {
  /** The normalised read. */
  readonly plate: string;
  /** The camera's confidence in each character of the normalised read, if it gave them. */
  readonly characterConfidences?: readonly number[];
  readonly nowMs: number;
}

/** The pairs ANPR engines mix up; each pair is one class. Listed once, used both ways. */
export const OCR_CONFUSIONS: readonly (readonly [string, string])[] = [
  ['0', 'O'],
  ['1', 'I'],
  ['8', 'B'],
  ['5', 'S'],
  ['2', 'Z'],
  ['6', 'G'],
];
const CLASS_OF = new Map<string, string>(
  OCR_CONFUSIONS.flatMap(([a, b]) => [
    [a, a],
    [b, a],
  ]),
);

/** The plate with every character replaced by its confusion class: equal keys, and plates
 * that differ only by confusions. */
export function confusionKey(plate: string): string {
  let key = '';
  for (const c of plate) key += CLASS_OF.get(c) ?? c;
  return key;
}

export function isConfusion(a: string, b: string): boolean {
  return a !== b && CLASS_OF.get(a) !== undefined && CLASS_OF.get(a) === CLASS_OF.get(b);
}

/** A character the camera read with this much confidence is not taken for another one. */
export const DEFAULT_CONFIDENT_CHARACTER = 0.9;

type Bucket = ListedPlate | ListedPlate[];

function add(map: Map<string, Bucket>, key: string, entry: ListedPlate): void {
  const bucket = map.get(key);
  if (bucket === undefined) map.set(key, entry);
  else if (Array.isArray(bucket)) bucket.push(entry);
  else map.set(key, [bucket, entry]);
}

function remove(map: Map<string, Bucket>, key: string, entryId: string): void {
  const bucket = map.get(key);
  if (bucket === undefined) return;
  if (!Array.isArray(bucket)) {
    if (bucket.entryId === entryId) map.delete(key);
    return;
  }
  const kept = bucket.filter((e) => e.entryId !== entryId);
  if (kept.length === 0) map.delete(key);
  else map.set(key, kept.length === 1 ? kept[0]! : kept);
}

function each(bucket: Bucket | undefined, visit: (entry: ListedPlate) => void): void {
  if (bucket === undefined) return;
  if (Array.isArray(bucket)) bucket.forEach(visit);
  else visit(bucket);
}

function deletions(plate: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < plate.length; i++) out.push(plate.slice(0, i) + plate.slice(i + 1));
  return out;
}

/** Where a and b differ if they are one substitution, insertion or deletion apart (the
 * position in b, the listed plate), else undefined. Equal plates: -1. */
export function singleEdit(a: string, b: string): number | undefined {
  if (a === b) return -1;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return undefined;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) return a.slice(i + 1) === b.slice(i + 1) ? i : undefined;
  if (la > lb) return a.slice(i + 1) === b.slice(i) ? i : undefined;
  return a.slice(i) === b.slice(i + 1) ? i : undefined;
}

/**
 * Every active list entry a read matches, found by lookups only, never by a scan: exact plates
 * in one map; entries whose list allows a confusion by their confusion-class key; entries whose
 * list allows an edit by their one-deletion neighbourhood (a read within one edit of a plate
 * shares a key with it: itself, one of its deletions, or the plate itself among the read's
 * deletions). Candidates are then verified, and a difference at a character the camera was
 * sure of is not a hit.
 */
export class PlateIndex {
  private readonly entries = new Map<string, ListedPlate>();
  private readonly exact = new Map<string, Bucket>();
  private readonly confusion = new Map<string, Bucket>();
  private readonly neighbourhood = new Map<string, Bucket>();

  constructor(private readonly confidentCharacter = DEFAULT_CONFIDENT_CHARACTER) {}

  get size(): number {
    return this.entries.size;
  }

  get(entryId: string): ListedPlate | undefined {
    return this.entries.get(entryId);
  }

  upsert(entry: ListedPlate): void {
    this.remove(entry.entryId);
    this.entries.set(entry.entryId, entry);
    add(this.exact, entry.plate, entry);
    if (entry.policy === 'confusion') add(this.confusion, confusionKey(entry.plate), entry);
    if (entry.policy === 'edit') {
      add(this.neighbourhood, entry.plate, entry);
      for (const d of new Set(deletions(entry.plate))) add(this.neighbourhood, d, entry);
    }
  }

  remove(entryId: string): void {
    const old = this.entries.get(entryId);
    if (!old) return;
    this.entries.delete(entryId);
    remove(this.exact, old.plate, entryId);
    if (old.policy === 'confusion') remove(this.confusion, confusionKey(old.plate), entryId);
    if (old.policy === 'edit') {
      remove(this.neighbourhood, old.plate, entryId);
      for (const d of new Set(deletions(old.plate))) remove(this.neighbourhood, d, entryId);
    }
  }

  /** Each matching entry once, with its nearest kind of match: exact before confusion before edit. */
  match(probe: PlateProbe): PlateMatch[] {
    const found = new Map<string, PlateMatch>();
    const active = (e: ListedPlate) => e.expiresAtMs === null || e.expiresAtMs > probe.nowMs;
    const plausible = (readPosition: number) => {
      const c = probe.characterConfidences?.[readPosition];
      return c === undefined || c < this.confidentCharacter;
    };
    each(this.exact.get(probe.plate), (entry) => {
      if (active(entry)) found.set(entry.entryId, { entry, kind: 'exact', position: null });
    });
    const rejected = (e: ListedPlate) => e.rejectedReads?.has(probe.plate) === true;
    each(this.confusion.get(confusionKey(probe.plate)), (entry) => {
      if (found.has(entry.entryId) || !active(entry) || rejected(entry)) return;
      let position = -1;
      for (let i = 0; i < entry.plate.length; i++) {
        if (entry.plate[i] === probe.plate[i]) continue;
        if (position >= 0) return; // more than one confusion
        position = i;
      }
      if (position >= 0 && plausible(position))
        found.set(entry.entryId, { entry, kind: 'confusion', position });
    });
    if (this.neighbourhood.size > 0) {
      const keys = new Set([probe.plate, ...deletions(probe.plate)]);
      for (const key of keys) {
        each(this.neighbourhood.get(key), (entry) => {
          if (found.has(entry.entryId) || !active(entry) || rejected(entry)) return;
          const position = singleEdit(probe.plate, entry.plate);
          if (position === undefined || position < 0) return;
          const differs = Math.min(position, probe.plate.length - 1);
          // a deleted character was not read at all; an added or changed one must be unsure
          const deleted = probe.plate.length < entry.plate.length;
          if (!deleted && !plausible(differs)) return;
          const kind =
            entry.plate.length === probe.plate.length &&
            isConfusion(probe.plate[position]!, entry.plate[position]!)
              ? 'confusion'
              : 'edit';
          found.set(entry.entryId, { entry, kind, position });
        });
      }
    }
    return [...found.values()];
  }
}
