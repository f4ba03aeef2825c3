import type { Alert, Violation } from './api';

export type FeedStatus = 'connecting' | 'live' | 'offline';

/** The server's close code for a socket whose session is not (or no longer) valid. */
const SESSION_ENDED = 4401;
/** The server's polls look this many seqs back for late commits; the seqs the console holds
 * within it go with the resume, so a reconnect is not sent them again. */
const LOOKBACK_SEQS = 1_000;

/** The WebSocket feed: resumes from the last seq it saw, so after a reconnect (or a server
 * restart) the console gets exactly what it missed. Violations are pushed on the same socket
 * once it is live, and not replayed: the console reloads their recent page when it is. A socket
 * closed because the session ended is not reopened: the console is told, with the reason. */
export class LiveFeed {
  private socket: WebSocket | null = null;
  private lastSeq = 0;
  private retryMs = 500;
  private stopped = false;

  constructor(
    private readonly token: () => string,
    private readonly onAlerts: (alerts: readonly Alert[]) => void,
    private readonly onStatus: (status: FeedStatus) => void,
    private readonly onViolations: (violations: readonly Violation[]) => void = () => {},
    private readonly onSessionEnded: (reason: string) => void = () => {},
    private readonly heldSeqs: () => readonly number[] = () => [],
  ) {}

  start(fromSeq: number): void {
    this.lastSeq = Math.max(this.lastSeq, fromSeq);
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
  }

  private connect(): void {
    this.onStatus('connecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    // the token goes in the first message: URLs end up in proxies' logs
    const socket = new WebSocket(`${scheme}://${location.host}/v1/alerts/live`);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'authenticate', token: this.token() }));
      const after = this.lastSeq;
      const have = this.heldSeqs().filter((seq) => seq <= after && seq > after - LOOKBACK_SEQS);
      socket.send(JSON.stringify({ type: 'resume', after_seq: after, have }));
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as {
        type: string;
        alerts?: Alert[];
        violations?: Violation[];
      };
      if (message.type === 'resumed') {
        this.retryMs = 500;
        this.onStatus('live');
      }
      if (message.type === 'alerts' && message.alerts) {
        for (const alert of message.alerts) this.lastSeq = Math.max(this.lastSeq, alert.seq);
        this.onAlerts(message.alerts);
      }
      if (message.type === 'violations' && message.violations)
        this.onViolations(message.violations);
    };
    socket.onclose = (event: CloseEvent) => {
      this.onStatus('offline');
      if (this.stopped) return;
      if (event.code === SESSION_ENDED) {
        this.stopped = true;
        this.onSessionEnded(event.reason || 'the session has ended: sign in again');
        return;
      }
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }
}
