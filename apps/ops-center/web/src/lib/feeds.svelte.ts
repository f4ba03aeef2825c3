import type { Alert, StaffUser, Violation } from './api';
import { Api } from './api';
import { priorityCue, sosCue } from './cue';
import { LiveFeed, type FeedStatus } from './live-feed';

/** Alerts kept and shown: the newest by seq, as the server's first page. */
const ALERT_LIMIT = 200;
/** Violations kept and shown: the newest logged. */
const VIOLATION_LIMIT = 100;
/** A hidden tab gets no animation frames; this still bounds what piles up meanwhile. */
const HIDDEN_RENDER_MS = 500;

/** Runs `flush` once at the next animation frame however often it is asked to: a burst of
 * socket messages becomes one list update and one DOM pass. */
function nextFrame(flush: () => void): () => void {
  let frame: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const now = () => {
    if (frame !== null) cancelAnimationFrame(frame);
    if (timer !== null) clearTimeout(timer);
    frame = timer = null;
    flush();
  };
  return () => {
    if (frame !== null) return;
    frame = requestAnimationFrame(now);
    timer = setTimeout(now, HIDDEN_RENDER_MS);
  };
}

/** A live list kept newest first and at most `limit` long, merged by key: whatever arrives
 * (a push, a reloaded page, the same item twice) replaces the kept item only when `newer`
 * says so. Live arrivals are applied once per animation frame, whatever their number. */
class FeedStore<T> {
  list = $state.raw<readonly T[]>([]);
  /** Those whose current version arrived live: their rows flash once (see styles.css). */
  fresh = $state.raw<ReadonlySet<string>>(new Set());
  private readonly byKey = new Map<string, T>();
  private readonly freshKeys = new Set<string>();
  private readonly request = nextFrame(() => this.flush());

  constructor(
    private readonly key: (item: T) => string,
    private readonly newestFirst: (a: T, b: T) => number,
    private readonly newer: (known: T, incoming: T) => boolean,
    private readonly limit: number,
  ) {}

  get(key: string): T | undefined {
    return this.byKey.get(key);
  }

  /** Takes what is newer than the store's version; returns the items it did not have. */
  update(incoming: readonly T[], { live }: { live: boolean }): T[] {
    const unknown: T[] = [];
    let changed = false;
    for (const item of incoming) {
      const key = this.key(item);
      const known = this.byKey.get(key);
      if (known && !this.newer(known, item)) continue;
      if (!known) unknown.push(item);
      this.byKey.set(key, item);
      if (live) this.freshKeys.add(key);
      else this.freshKeys.delete(key);
      changed = true;
    }
    if (changed) {
      if (live) this.request();
      else this.flush();
    }
    return unknown;
  }

  private flush(): void {
    const sorted = [...this.byKey.values()].sort(this.newestFirst);
    for (const dropped of sorted.splice(this.limit)) {
      this.byKey.delete(this.key(dropped));
      this.freshKeys.delete(this.key(dropped));
    }
    this.fresh = new Set(this.freshKeys);
    this.list = sorted;
  }

  clear(): void {
    this.byKey.clear();
    this.freshKeys.clear();
    this.list = [];
  }
}

/** The one store of alerts: the list, the detail pane and the counts all read it, so every
 * view of an alert changes together. Newest first by seq (a change gives an alert a new
 * seq); an alert is replaced only by a newer version (higher seq). */
export type AlertStore = FeedStore<Alert>;
const alertStore = (): AlertStore =>
  new FeedStore<Alert>(
    (a) => a.id,
    (a, b) => b.seq - a.seq,
    (known, incoming) => incoming.seq > known.seq,
    ALERT_LIMIT,
  );

/** The violations feed, newest logged first; a violation never changes once logged. */
export type ViolationStore = FeedStore<Violation>;
const violationStore = (): ViolationStore =>
  new FeedStore<Violation>(
    (v) => v.event_id,
    (a, b) => b.logged_at.localeCompare(a.logged_at) || b.event_id.localeCompare(a.event_id),
    () => false,
    VIOLATION_LIMIT,
  );

const TOKEN_KEY = 'kuzet.token';

/** Operators and supervisors watch the live alerts; the other roles' screens load their own. */
export const usesLiveFeed = (user: StaffUser): boolean =>
  user.roles.includes('operator') || user.roles.includes('supervisor');

/** The signed-in session: the API client, the user, the live socket and the stores it
 * feeds. Everything the console knows about the server goes through here. */
class Session {
  readonly api = new Api(sessionStorage.getItem(TOKEN_KEY));
  readonly alerts = alertStore();
  readonly violations = violationStore();
  user = $state.raw<StaffUser | null>(null);
  status = $state<FeedStatus>('offline');
  /** Why the console was signed out (the login form says it). */
  endedBecause = $state<string | null>(null);
  private feed: LiveFeed | null = null;

  /** Resumes the session kept in this tab, if it is still valid. */
  async resume(): Promise<void> {
    if (!this.api.authenticated) return;
    try {
      await this.start(await this.api.me());
    } catch {
      this.end();
    }
  }

  async login(username: string, password: string): Promise<void> {
    const { access_token: accessToken, user } = await this.api.login(username, password);
    sessionStorage.setItem(TOKEN_KEY, accessToken);
    await this.start(user);
  }

  private async start(user: StaffUser): Promise<void> {
    this.endedBecause = null;
    if (!usesLiveFeed(user)) {
      this.user = user;
      return;
    }
    const initial = (await this.api.alerts()).items;
    this.alerts.update(initial, { live: false });
    this.user = user;
    this.feed = new LiveFeed(
      () => this.api.bearer,
      (changed) => {
        const unknown = this.alerts.update(changed, { live: true });
        if (unknown.some((alert) => alert.kind === 'alarm' && alert.state === 'new')) sosCue();
        else if (unknown.some((alert) => alert.is_priority && alert.state === 'new')) priorityCue();
      },
      (status) => {
        this.status = status;
        // pushes only reach a live socket: what it may have missed comes from the log
        if (status === 'live') this.reloadViolations();
      },
      (pushed) => this.violations.update(pushed, { live: true }),
      (reason) => this.end(reason),
      () => this.alerts.list.map((alert) => alert.seq),
    );
    this.feed.start(initial.reduce((max, a) => Math.max(max, a.seq), 0));
  }

  private reloadViolations(): void {
    this.api.violations().then(
      (page) => this.violations.update(page.items, { live: false }),
      (e: unknown) => console.warn('violations feed', e),
    );
  }

  /** Signs out here and on the server; `reason` is the server's, when it ended the session. */
  end(reason?: string): void {
    this.feed?.stop();
    this.feed = null;
    sessionStorage.removeItem(TOKEN_KEY);
    this.api.logout();
    this.alerts.clear();
    this.violations.clear();
    this.user = null;
    this.endedBecause = reason ?? null;
  }
}

export const session = new Session();
