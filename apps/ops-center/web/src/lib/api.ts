import type { components, paths } from '../generated/api-types';

// The console's view of the API: types generated from the OpenAPI document (npm run
// openapi:types, run by npm run build), never copied by hand. A route whose schema changes
// breaks this build.

type Schemas = components['schemas'];

/** The JSON a route answers with on success. */
type Answer<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: { content: { 'application/json': infer J } } }
    ? J
    : R extends { 201: { content: { 'application/json': infer J } } }
      ? J
      : never
  : never;

/** The JSON body a route takes. */
type Body<P extends keyof paths, M extends 'post'> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export type StaffUser = Schemas['StaffPrincipal'];
export type Alert = Schemas['Alert'];
export type AlertState = Alert['state'];
export type AlertDetail = Schemas['AlertDetail'];
export type Overview = Schemas['Overview'];
/** A logged violation as GET /v1/ops/violations and the live feed give it. */
export type Violation = Schemas['ViolationFeedItem'];
export type ViolationCode = Violation['code'];
type Decision = Body<'/v1/alerts/{id}/decisions', 'post'>;
/** The query GET /v1/alerts takes: filters, limit and cursor. */
export type AlertQuery = NonNullable<paths['/v1/alerts']['get']['parameters']['query']>;
export type DecisionAction = Decision['action'];

/** One field the server refused: `rule` is a stable code the console translates, `message`
 * the English text for integrators. */
export interface FieldError {
  readonly field: string;
  readonly rule: string;
  readonly message: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** A refused request: the HTTP status, the server's English message, the field errors it
 * named, and for a 409 on a decision the state the alert is in and who put it there. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: readonly FieldError[] = [],
    readonly conflict: { state: AlertState; decidedBy: string | null } | null = null,
  ) {
    super(message);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

export function apiError(status: number, json: unknown, text: string): ApiError {
  if (!isRecord(json)) return new ApiError(status, text || String(status));
  const errors = Array.isArray(json.errors)
    ? json.errors.filter(isRecord).map((e): FieldError => ({
        field: String(e.field ?? '$'),
        rule: String(e.rule ?? 'custom'),
        message: String(e.message ?? ''),
        ...(isRecord(e.params) ? { params: e.params } : {}),
      }))
    : [];
  const message = errors[0]?.message || text || String(status);
  // a decision refused because the alert moved on names its state (docs/api-conventions.md)
  const params = errors[0]?.params;
  const conflict =
    status === 409 && typeof params?.state === 'string'
      ? {
          state: params.state as AlertState,
          decidedBy: typeof params.decided_by === 'string' ? params.decided_by : null,
        }
      : null;
  return new ApiError(status, message, errors, conflict);
}

/** The console's one way to the ops-center API: bearer token, JSON, errors with the
 * server's own message. */
export class Api {
  constructor(private token: string | null) {}

  get authenticated(): boolean {
    return this.token !== null;
  }

  get bearer(): string {
    return this.token ?? '';
  }

  async login(username: string, password: string): Promise<Answer<'/v1/auth/login', 'post'>> {
    const credentials: Body<'/v1/auth/login', 'post'> = { username, password };
    const result = await this.request<Answer<'/v1/auth/login', 'post'>>(
      'POST',
      '/v1/auth/login',
      credentials,
    );
    this.token = result.access_token;
    return result;
  }

  /** Ends the session on the server too, so the token is worthless even if it leaked. */
  logout(): void {
    const token = this.token;
    this.token = null;
    if (token === null) return;
    void fetch('/v1/auth/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    }).catch(() => undefined);
  }

  me(): Promise<Answer<'/v1/auth/me', 'get'>> {
    return this.request('GET', '/v1/auth/me');
  }

  /** A page of alerts, newest change first; `query` holds the search filters and the cursor
   * of the page before (GET /v1/alerts). */
  alerts(query: AlertQuery = {}): Promise<Answer<'/v1/alerts', 'get'>> {
    const params = new URLSearchParams({ limit: '200' });
    for (const [key, value] of Object.entries(query))
      if (value !== undefined && value !== '') params.set(key, String(value));
    return this.request('GET', `/v1/alerts?${params}`);
  }

  /** The most recent violations in the user's scope, newest logged first. */
  violations(limit = 100): Promise<Answer<'/v1/ops/violations', 'get'>> {
    return this.request('GET', `/v1/ops/violations?limit=${limit}`);
  }

  /** The supervisor's figures for whole days `from`..`to` (YYYY-MM-DD, the centre's days). */
  overview(from: string, to: string): Promise<Answer<'/v1/ops/overview', 'get'>> {
    return this.request('GET', `/v1/ops/overview?from=${from}&to=${to}`);
  }

  alert(id: string): Promise<Answer<'/v1/alerts/{id}', 'get'>> {
    return this.request('GET', `/v1/alerts/${id}`);
  }

  decide(
    id: string,
    action: Decision['action'],
    reason?: string,
  ): Promise<Answer<'/v1/alerts/{id}/decisions', 'post'>> {
    const decision: Decision = reason ? { action, reason } : { action };
    return this.request('POST', `/v1/alerts/${id}/decisions`, decision);
  }

  /** A supervisor gives an open alert to an operator of its centre. */
  assign(id: string, assigneeId: string): Promise<Answer<'/v1/alerts/{id}/assignment', 'post'>> {
    const body: Body<'/v1/alerts/{id}/assignment', 'post'> = { assignee_id: assigneeId };
    return this.request('POST', `/v1/alerts/${id}/assignment`, body);
  }

  /** The operators an alert may be given to (its centre's, active). */
  assignees(id: string): Promise<Answer<'/v1/alerts/{id}/assignees', 'get'>> {
    return this.request('GET', `/v1/alerts/${id}/assignees?limit=500`);
  }

  /** A rejection with a code kuzet learns from ("not this person", "not this car"). */
  rejectAs(
    id: string,
    reasonCode: NonNullable<Decision['reason_code']>,
    reason?: string,
  ): Promise<Answer<'/v1/alerts/{id}/decisions', 'post'>> {
    const decision: Decision = {
      action: 'reject',
      reason_code: reasonCode,
      ...(reason ? { reason } : {}),
    };
    return this.request('POST', `/v1/alerts/${id}/decisions`, decision);
  }

  /** Learning from decisions (issue 21): each list's threshold evidence and decisions. */
  learningLists(): Promise<Answer<'/v1/watchlist-learning', 'get'>> {
    return this.request('GET', '/v1/watchlist-learning?limit=500');
  }

  thresholdEvidence(
    id: string,
    targetPrecision: number,
  ): Promise<Answer<'/v1/watchlists/{id}/threshold-evidence', 'get'>> {
    return this.request(
      'GET',
      `/v1/watchlists/${id}/threshold-evidence?target_precision=${targetPrecision}`,
    );
  }

  thresholdDecisions(
    id: string,
  ): Promise<Answer<'/v1/watchlists/{id}/threshold-decisions', 'get'>> {
    return this.request('GET', `/v1/watchlists/${id}/threshold-decisions`);
  }

  applyThreshold(
    id: string,
    body: Body<'/v1/watchlists/{id}/threshold-decisions', 'post'>,
  ): Promise<Answer<'/v1/watchlists/{id}/threshold-decisions', 'post'>> {
    return this.request('POST', `/v1/watchlists/${id}/threshold-decisions`, body);
  }

  revertThreshold(
    id: string,
    decisionId: string,
    reason: string,
  ): Promise<Answer<'/v1/watchlists/{id}/threshold-decisions/{decisionId}/revert', 'post'>> {
    return this.request('POST', `/v1/watchlists/${id}/threshold-decisions/${decisionId}/revert`, {
      reason,
    });
  }

  /** Images need the bearer token too, so they are fetched and shown as object URLs. */
  async image(path: string): Promise<string | null> {
    const response = await fetch(path, { headers: { authorization: `Bearer ${this.bearer}` } });
    if (!response.ok) return null;
    return URL.createObjectURL(await response.blob());
  }

  /** Any JSON route, for the screens' own API modules (lib/watchlist-api.ts). */
  send<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    return this.request<T>(method, path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? (JSON.parse(text) as unknown) : null;
    } catch {
      // a proxy's HTML error page: the status says enough
    }
    if (!response.ok) throw apiError(response.status, json, text);
    return json as T;
  }
}
