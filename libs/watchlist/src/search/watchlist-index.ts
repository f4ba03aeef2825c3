import { createVectorIndex, VectorIndex, VectorMatch } from '../vector-index';
import {
  NegativeSimilarity,
  suppressingNegative,
  SuppressionPolicy,
} from '../learning/suppression';

/** A probe an operator rejected as "not this person". */
export interface NegativeExample {
  readonly negativeId: string;
  readonly embedding: Float32Array;
  readonly expiresAt: Date | null;
}

export interface Suppression {
  readonly negativeId: string;
  /** The probe's similarity to the negative. */
  readonly negativeSimilarity: number;
  readonly policy: SuppressionPolicy;
}

export interface IndexedPerson {
  readonly personId: string;
  readonly watchlistId: string;
  readonly threshold: number;
  readonly expiresAt: Date | null;
  readonly version: number;
  readonly photoIds: readonly string[];
  readonly negatives: readonly NegativeExample[];
  readonly suppression: SuppressionPolicy | null;
}

export interface PersonFaces {
  readonly personId: string;
  readonly watchlistId: string;
  readonly threshold: number;
  readonly expiresAt: Date | null;
  readonly version: number;
  readonly faces: readonly { readonly photoId: string; readonly embedding: Float32Array }[];
  /** "Not this person" examples; none when absent. */
  readonly negatives?: readonly NegativeExample[];
  /** The list's suppression policy; absent: negatives never suppress. */
  readonly suppression?: SuppressionPolicy | null;
}

export interface Candidate {
  readonly personId: string;
  readonly watchlistId: string;
  readonly photoId: string;
  readonly similarity: number;
  readonly threshold: number;
}

export interface SearchOutcome {
  /** The best person, if any is searchable at all. */
  readonly best: Candidate | null;
  /** The best similarity of any other person, for the margin. */
  readonly runnerUp: Candidate | null;
}

/** The matcher's in-memory view of every searchable enrolled face. Changes carry a version
 * per person, so replaying old changes (from the compacted topic, after a rebuild from
 * PostgreSQL) never undoes a newer state. */
export class WatchlistIndex {
  private readonly people = new Map<string, IndexedPerson>();
  /** The person each indexed photo belongs to, as held in `people`: one look-up per match. */
  private readonly ownerOfPhoto = new Map<string, IndexedPerson>();
  /** Versions of removed people, so a late enrolment message does not resurrect them. */
  private readonly removedVersions = new Map<string, number>();

  constructor(private readonly vectors: VectorIndex = createVectorIndex()) {}

  get personCount(): number {
    return this.people.size;
  }

  get faceCount(): number {
    return this.vectors.size;
  }

  versionOf(personId: string): number {
    return this.people.get(personId)?.version ?? this.removedVersions.get(personId) ?? 0;
  }

  /** Returns false when the change is not newer than what the index holds. */
  upsert(person: PersonFaces): boolean {
    if (person.version <= this.versionOf(person.personId)) return false;
    this.dropFaces(person.personId);
    this.removedVersions.delete(person.personId);
    const indexed: IndexedPerson = {
      personId: person.personId,
      watchlistId: person.watchlistId,
      threshold: person.threshold,
      expiresAt: person.expiresAt,
      version: person.version,
      photoIds: person.faces.map((f) => f.photoId),
      negatives: person.negatives ?? [],
      suppression: person.suppression ?? null,
    };
    for (const face of person.faces) {
      this.vectors.upsert(face.photoId, face.embedding);
      this.ownerOfPhoto.set(face.photoId, indexed);
    }
    this.people.set(person.personId, indexed);
    return true;
  }

  /** Negative examples held for a person (0 when unknown). */
  negativeCount(personId: string): number {
    return this.people.get(personId)?.negatives.length ?? 0;
  }

  /** The negative example that keeps this probe of the candidate's person from alerting, or
   * null: checked only for a probe that already crossed the threshold, against that person's
   * own negatives, so its cost does not grow with the negatives of everybody else. */
  suppression(
    candidate: Candidate,
    probe: Float32Array,
    now: Date = new Date(),
  ): Suppression | null {
    const person = this.people.get(candidate.personId);
    if (!person?.suppression || person.negatives.length === 0) return null;
    const similarities: NegativeSimilarity[] = [];
    for (const negative of person.negatives) {
      if (negative.expiresAt && negative.expiresAt <= now) continue;
      similarities.push({
        negativeId: negative.negativeId,
        similarity: cosine(probe, negative.embedding),
      });
    }
    const found = suppressingNegative(candidate.similarity, similarities, person.suppression);
    return found
      ? {
          negativeId: found.negativeId,
          negativeSimilarity: found.similarity,
          policy: person.suppression,
        }
      : null;
  }

  remove(personId: string, version: number): boolean {
    if (version <= this.versionOf(personId)) return false;
    this.dropFaces(personId);
    this.people.delete(personId);
    this.removedVersions.set(personId, version);
    return true;
  }

  /** Nearest faces first, folded to the best face per person; expired people are skipped. */
  search(embedding: Float32Array, now: Date = new Date(), k = 16): SearchOutcome {
    return outcomeOf(this.ranked(this.vectors.search(embedding, k), now));
  }

  /** search() for several probes at once (a consumer batch's faces). A shared scan of the
   * codes for all of them was tried: no faster, the scan is bound by popcount. */
  searchMany(embeddings: readonly Float32Array[], now: Date = new Date(), k = 16): SearchOutcome[] {
    return embeddings.map((embedding) =>
      outcomeOf(this.ranked(this.vectors.search(embedding, k), now)),
    );
  }

  /** Every person at or above their own list's threshold among the k nearest faces, closest
   * first (a badge's question: is this face on any list, and on which). */
  hits(embedding: Float32Array, now: Date = new Date(), k = 16): Candidate[] {
    return this.ranked(this.vectors.search(embedding, k), now).filter(
      (c) => c.similarity >= c.threshold,
    );
  }

  /** k is small (16): a linear scan of the few people seen so far beats a Map per search. */
  private ranked(matches: readonly VectorMatch[], now: Date): Candidate[] {
    const best: Candidate[] = [];
    const nowMs = now.getTime();
    for (const match of matches) {
      const person = this.ownerOfPhoto.get(match.id);
      if (!person || (person.expiresAt && person.expiresAt.getTime() <= nowMs)) continue;
      const at = best.findIndex((c) => c.personId === person.personId);
      if (at >= 0 && best[at]!.similarity >= match.similarity) continue;
      const candidate: Candidate = {
        personId: person.personId,
        watchlistId: person.watchlistId,
        photoId: match.id,
        similarity: match.similarity,
        threshold: person.threshold,
      };
      if (at >= 0) best[at] = candidate;
      else best.push(candidate);
    }
    return best.sort((a, b) => b.similarity - a.similarity);
  }

  private dropFaces(personId: string): void {
    for (const photoId of this.people.get(personId)?.photoIds ?? []) {
      this.vectors.remove(photoId);
      this.ownerOfPhoto.delete(photoId);
    }
  }
}

function outcomeOf(ranked: readonly Candidate[]): SearchOutcome {
  return { best: ranked[0] ?? null, runnerUp: ranked[1] ?? null };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
