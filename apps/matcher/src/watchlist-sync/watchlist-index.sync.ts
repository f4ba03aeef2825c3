import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import {
  decodeWatchlistChange,
  timestampDate,
  WatchlistChange,
  WatchlistChangeKind,
} from '@kuzet/contracts';
import { instanceId, KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { FaceEngine } from '@kuzet/face';
import {
  InboundMessage,
  MESSAGE_BUS,
  MessageBus,
  RejectedMessageError,
  Subscription,
  TOPICS,
} from '@kuzet/messaging';
import { earliestExpiry } from '@kuzet/persistence';
import { LearningRepository, WatchlistIndex, WatchlistRepository } from '@kuzet/watchlist';

const REBUILD_PAGE = 1_000;
/** Changes applied per batch call: one statement asks which of their people exist. */
const CHANGE_BATCH = 1_000;
export const MATCHER_INDEX_GROUP = 'kuzet-matcher-index';

/** Keeps this matcher's index equal to PostgreSQL: a full rebuild at start-up, then every
 * change from the compacted topic. Each matcher reads every change, so it joins with a
 * consumer group of its own, named after its instance id (stable across restarts) and deleted
 * when it shuts down gracefully, so such groups do not pile up on the broker.
 *
 * The rebuild runs in onModuleInit, which Nest completes for every module before any
 * onApplicationBootstrap: the camera-event consumer subscribes there, so no event is matched
 * against a half-built index (a backlog after a crash would otherwise be searched against an
 * empty index and committed without its hits). */
@Injectable()
export class WatchlistIndexSync implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WatchlistIndexSync.name);
  private subscription?: Subscription;

  constructor(
    private readonly index: WatchlistIndex,
    private readonly repository: WatchlistRepository,
    private readonly learning: LearningRepository,
    private readonly engine: FaceEngine,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(KUZET_CONFIG) private readonly config: Readonly<KuzetConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.rebuild();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      topic: TOPICS.watchlistChanges,
      groupId: `${MATCHER_INDEX_GROUP}.${instanceId(this.config)}`,
      handler: (message) => this.apply(message),
      // a list-wide change (a new threshold) republishes every person of the list at once
      batchHandler: (messages) => this.applyMany(messages),
      batchLimit: CHANGE_BATCH,
      ephemeral: true,
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }

  async rebuild(now: Date = new Date()): Promise<void> {
    const model = this.engine.models.embedding.modelId;
    const total = await this.repository.countSearchable(now);
    this.logger.log({ total }, 'rebuilding the watchlist index from PostgreSQL');
    let afterId: string | null = null;
    let people = 0;
    let skippedFaces = 0;
    const started = Date.now();
    for (;;) {
      const page = await this.repository.searchablePage(afterId, REBUILD_PAGE, now);
      if (page.length === 0) break;
      const [negatives, policies] = await Promise.all([
        this.learning.negativesOf(
          page.map((p) => p.person.id),
          now,
        ),
        this.learning.policiesOf([...new Set(page.map((p) => p.list.id))]),
      ]);
      for (const { person, list, faces } of page) {
        const compatible = faces.filter((face) => face.modelId === model);
        skippedFaces += faces.length - compatible.length;
        this.index.upsert({
          personId: person.id,
          watchlistId: list.id,
          threshold: list.similarityThreshold,
          expiresAt: earliestExpiry(person.expiresAt, list.expiresAt),
          version: person.version,
          faces: compatible.map((face) => ({ photoId: face.id, embedding: face.embedding })),
          negatives: (negatives.get(person.id) ?? [])
            .filter((n) => n.modelId === model)
            .map((n) => ({ negativeId: n.id, embedding: n.embedding, expiresAt: n.expiresAt })),
          suppression: policies.get(list.id) ?? null,
        });
      }
      people += page.length;
      afterId = page[page.length - 1]!.person.id;
      this.logger.log({ loaded: people, total }, 'watchlist index rebuild progress');
    }
    this.logger.log(
      { people, faces: this.index.faceCount, skippedFaces, ms: Date.now() - started },
      'watchlist index ready',
    );
  }

  private apply(message: InboundMessage): Promise<void> {
    return this.applyMany([message]);
  }

  /** Consecutive changes in order; an undecodable one fails the batch, which the bus then takes
   * one message at a time, dead-lettering that one. */
  private async applyMany(messages: readonly InboundMessage[]): Promise<void> {
    const changes = messages.map((message) => {
      const decoded = decodeWatchlistChange(message.value);
      if (!decoded.ok) throw new RejectedMessageError('invalid_watchlist_change', decoded.errors);
      return decoded.value;
    });
    // a change names a person of this deployment's database (published after its commit); one
    // that does not (another deployment or test run sharing the broker's compacted topic) would
    // put a stranger in the index whose hits can never be recorded
    const held = await this.repository.existingPersonIds(
      changes.filter((c) => c.kind !== WatchlistChangeKind.REMOVED).map((c) => c.personId),
    );
    for (const change of changes) this.applyChange(change, held);
  }

  private applyChange(change: WatchlistChange, held: ReadonlySet<string>): void {
    const version = Number(change.version);
    if (change.kind === WatchlistChangeKind.REMOVED) {
      if (this.index.remove(change.personId, version)) {
        this.logger.log({ personId: change.personId, version }, 'person removed from the index');
      }
      return;
    }
    if (!held.has(change.personId.toLowerCase())) {
      this.logger.warn(
        { personId: change.personId, version },
        'watchlist change for a person this database does not hold: ignored',
      );
      return;
    }
    const model = this.engine.models.embedding.modelId;
    this.index.upsert({
      personId: change.personId,
      watchlistId: change.watchlistId,
      threshold: change.threshold,
      expiresAt: change.expiresAt ? timestampDate(change.expiresAt) : null,
      version,
      faces: change.embeddings
        .filter((e) => e.modelId === model)
        .map((e) => ({ photoId: e.photoId, embedding: Float32Array.from(e.embedding) })),
      negatives: change.negatives
        .filter((n) => n.modelId === model)
        .map((n) => ({
          negativeId: n.negativeId,
          embedding: Float32Array.from(n.embedding),
          expiresAt: n.expiresAt ? timestampDate(n.expiresAt) : null,
        })),
      suppression: change.suppression
        ? {
            enabled: change.suppression.enabled,
            margin: change.suppression.margin,
            ceiling: change.suppression.ceiling,
          }
        : null,
    });
    if (change.negatives.length > 0)
      this.logger.log(
        { personId: change.personId, version, negatives: change.negatives.length },
        'person updated with negative examples',
      );
  }
}
