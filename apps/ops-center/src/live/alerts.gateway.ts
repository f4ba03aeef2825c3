import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { StaffPrincipal, StaffTokenService, StaffUserService, VerifiedToken } from '@kuzet/auth';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import { counter } from '@kuzet/observability';
import { scheduleEvery } from '@kuzet/platform';
import { AlertEntity } from '@kuzet/persistence';
import { AlertRepository } from '../alerts/alert.repository';
import { AlertView, alertViews } from '../alerts/alert.views';
import { CentreScopes } from '../scope/centre-scope';
import { inCentreScope } from '@kuzet/registry';

/** How far back each poll looks: a transaction that took a seq number but committed after a
 * later one is still picked up. */
const LOOKBACK_SEQS = 1_000;
const CLOSE_UNAUTHORISED = 4401;
/** The session could not be checked (the database did not answer): the console retries. */
const CLOSE_TRY_AGAIN_LATER = 1013;

const closedForSession = counter({
  name: 'kuzet_ops_live_sockets_closed_total',
  help: 'Live console sockets closed because of their session, by reason',
  labelNames: ['reason'] as const,
});

/** How long a new socket may take to send its token. */
const AUTHENTICATE_WITHIN_MS = 5_000;

const authenticateMessage = z.object({
  type: z.literal('authenticate'),
  token: z.string().min(1).max(8_192),
});
const resumeMessage = z.object({
  type: z.literal('resume'),
  after_seq: z.number().int().min(0),
  /** Seqs at or below after_seq the client holds: the polls' look-back does not send them again. */
  have: z.array(z.number().int().min(0)).max(LOOKBACK_SEQS).optional(),
});

interface Client {
  readonly socket: WebSocket;
  readonly user: StaffPrincipal;
  readonly session: VerifiedToken;
  /** Seqs already sent above the feed's look-back floor. */
  readonly sent: Set<number>;
  resumed: boolean;
}

/** Live alerts for the console over WebSocket. The client says from which seq to resume (and
 * which seqs below it it holds), gets everything it missed, then every change as it is
 * committed, by whichever instance. Resumed clients also get `{type:'violations'}` messages
 * pushed by the violations feed. A socket lives
 * only as long as its session: one whose user is disabled or changed, or whose token expires,
 * is closed with 4401 (checked every OPS_LIVE_SESSION_CHECK_MS). */
@WebSocketGateway({ path: '/v1/alerts/live' })
@Injectable()
export class AlertsGateway
  implements OnGatewayConnection, OnGatewayDisconnect, OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(AlertsGateway.name);
  private readonly clients = new Map<WebSocket, Client>();
  private highWater = 0;
  private polling = false;
  private checkingSessions = false;

  constructor(
    private readonly alerts: AlertRepository,
    private readonly tokens: StaffTokenService,
    private readonly users: StaffUserService,
    private readonly scopes: CentreScopes,
    @Inject(KUZET_CONFIG) private readonly config: KuzetConfig,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.highWater = await this.alerts.highestSeq();
    // the poll too is registered, though it runs every OPS_FEED_POLL_MS (100s of ms): the
    // scheduler then stops it before shutdown like every other job, and lists it
    scheduleEvery(this.scheduler, 'live-feed-poll', this.config.OPS_FEED_POLL_MS, () =>
      this.poll(),
    );
    scheduleEvery(
      this.scheduler,
      'live-feed-session-check',
      this.config.OPS_LIVE_SESSION_CHECK_MS,
      () => this.checkSessions(),
    );
  }

  /** The scheduler has stopped the poll and the session checks by now. */
  onApplicationShutdown(): void {
    for (const socket of this.clients.keys()) socket.close(1001, 'server shutting down');
  }

  /** The token comes in the first message, never in the URL (proxies log URLs): a socket that
   * does not send it within AUTHENTICATE_WITHIN_MS is closed. Later messages wait for the
   * session check. */
  handleConnection(socket: WebSocket): void {
    const deadline = setTimeout(
      () => socket.close(CLOSE_UNAUTHORISED, 'send {"type":"authenticate","token":…} first'),
      AUTHENTICATE_WITHIN_MS,
    );
    socket.once('close', () => clearTimeout(deadline));
    let admitted: Promise<Client | null> | null = null;
    socket.on('message', (data: Buffer) => {
      if (!admitted) {
        clearTimeout(deadline);
        admitted = this.admit(socket, data);
        return;
      }
      void admitted
        .then((client) => (client ? this.onMessage(client, data) : undefined))
        .catch((error: unknown) =>
          this.logger.warn({ err: String(error) }, 'live feed resume failed'),
        );
    });
  }

  private async admit(socket: WebSocket, data: Buffer): Promise<Client | null> {
    let session: VerifiedToken;
    try {
      const { token } = authenticateMessage.parse(JSON.parse(data.toString('utf8')));
      session = this.tokens.verifyWithVersion(token);
    } catch {
      socket.close(CLOSE_UNAUTHORISED, 'unauthorised');
      return null;
    }
    const user = session.principal;
    if (!user.roles.includes('operator') && !user.roles.includes('supervisor')) {
      socket.close(CLOSE_UNAUTHORISED, 'the live feed is for operators and supervisors');
      return null;
    }
    const client: Client = { socket, user, session, sent: new Set(), resumed: false };
    try {
      if (
        !(await this.users.isSessionCurrent(user.userId, session.tokenVersion, session.sessionId))
      ) {
        this.end(client, 'session_ended', 'the session has ended: sign in again');
        return null;
      }
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'live feed session check failed');
      closedForSession.inc({ reason: 'check_failed' });
      socket.close(CLOSE_TRY_AGAIN_LATER, 'the session could not be checked: try again');
      return null;
    }
    if (socket.readyState !== socket.OPEN) return null;
    this.clients.set(socket, client);
    this.send(client, {
      type: 'hello',
      user: { username: user.username, centre_ids: user.centreIds },
    });
    return client;
  }

  handleDisconnect(socket: WebSocket): void {
    this.clients.delete(socket);
  }

  /** Sends a message to every resumed client whose user `admits`, returning how many got it:
   * the violations feed shares this socket rather than opening a second one per console. */
  push(
    message: { readonly type: string; readonly [field: string]: unknown },
    admits: (user: StaffPrincipal) => boolean,
  ): number {
    let sent = 0;
    for (const client of this.clients.values()) {
      if (!client.resumed || !admits(client.user)) continue;
      this.send(client, message);
      sent += 1;
    }
    return sent;
  }

  private async onMessage(client: Client, data: Buffer): Promise<void> {
    let parsed: z.infer<typeof resumeMessage>;
    try {
      parsed = resumeMessage.parse(JSON.parse(data.toString('utf8')));
    } catch {
      this.send(client, {
        type: 'error',
        message: 'expected {"type":"resume","after_seq":<number>,"have":[<number>, at most 1000]}',
      });
      return;
    }
    for (const seq of parsed.have ?? []) if (seq <= parsed.after_seq) client.sent.add(seq);
    const scope = this.scopes.of(client.user);
    let afterSeq = parsed.after_seq;
    for (;;) {
      const missed = await this.alerts.changedSince(afterSeq, 500, scope);
      await this.deliver(client, missed);
      if (missed.length < 500) break;
      afterSeq = missed[missed.length - 1]!.seq;
    }
    client.resumed = true;
    this.send(client, { type: 'resumed' });
  }

  /** Closes every socket whose token expired or whose user was disabled or changed since. */
  private async checkSessions(): Promise<void> {
    if (this.checkingSessions || this.clients.size === 0) return;
    this.checkingSessions = true;
    try {
      const now = Date.now();
      for (const client of [...this.clients.values()]) {
        const { principal, tokenVersion, sessionId, expiresAtMs } = client.session;
        if (expiresAtMs <= now) {
          this.end(client, 'token_expired', 'the access token has expired: sign in again');
          continue;
        }
        try {
          if (!(await this.users.isSessionCurrent(principal.userId, tokenVersion, sessionId)))
            this.end(client, 'session_ended', 'the session has ended: sign in again');
        } catch (error) {
          // the socket stays: a database hiccup is no reason to sign an operator out
          this.logger.warn({ err: String(error) }, 'live feed session check failed');
        }
      }
    } finally {
      this.checkingSessions = false;
    }
  }

  private end(client: Client, reason: 'session_ended' | 'token_expired', message: string): void {
    closedForSession.inc({ reason });
    this.clients.delete(client.socket);
    client.socket.close(CLOSE_UNAUTHORISED, message);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.clients.size === 0) {
      if (this.clients.size === 0)
        this.highWater = Math.max(this.highWater, await this.alerts.highestSeq().catch(() => 0));
      return;
    }
    this.polling = true;
    try {
      // seqs first, whole rows only for what some client still lacks: a poll in a quiet
      // moment reads a thousand integers, not a thousand alerts
      const recent = await this.alerts.routedSeqsSince(Math.max(0, this.highWater - LOOKBACK_SEQS));
      const wanted = new Map<Client, number[]>();
      for (const client of this.clients.values()) {
        if (!client.resumed) continue;
        const scope = this.scopes.of(client.user);
        const lacking = recent
          .filter((change) => !client.sent.has(change.seq) && inCentreScope(scope, change))
          .map((change) => change.seq);
        if (lacking.length > 0) wanted.set(client, lacking);
      }
      const needed = [...new Set([...wanted.values()].flat())];
      const rows = new Map((await this.alerts.bySeqs(needed)).map((alert) => [alert.seq, alert]));
      // labelled once for every client: one query per poll, not one per console
      const views = new Map(
        (await alertViews(this.alerts, [...rows.values()])).map((view) => [view.seq, view]),
      );
      for (const [client, seqs] of wanted) {
        this.deliverViews(
          client,
          seqs.flatMap((seq) => views.get(seq) ?? []),
        );
      }
      if (recent.length > 0)
        this.highWater = Math.max(this.highWater, recent[recent.length - 1]!.seq);
    } catch (error) {
      this.logger.warn({ err: String(error) }, 'live feed poll failed');
    } finally {
      this.polling = false;
    }
  }

  private async deliver(client: Client, alerts: readonly AlertEntity[]): Promise<void> {
    const fresh = alerts.filter((alert) => !client.sent.has(alert.seq));
    if (fresh.length > 0) this.deliverViews(client, await alertViews(this.alerts, fresh));
  }

  private deliverViews(client: Client, alerts: readonly AlertView[]): void {
    const floor = this.highWater - LOOKBACK_SEQS;
    for (const seq of client.sent) if (seq <= floor) client.sent.delete(seq);
    const fresh = alerts.filter((alert) => !client.sent.has(alert.seq));
    if (fresh.length === 0) return;
    for (const alert of fresh) client.sent.add(alert.seq);
    this.send(client, { type: 'alerts', alerts: fresh });
  }

  private send(client: Client, message: unknown): void {
    if (client.socket.readyState === client.socket.OPEN)
      client.socket.send(JSON.stringify(message));
  }
}
