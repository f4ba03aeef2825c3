export interface StaffUser {
  readonly userId: string;
  readonly username: string;
  readonly roles: readonly string[];
  readonly centreIds: readonly string[];
}

export type AlertState = 'new' | 'acknowledged' | 'confirmed' | 'rejected' | 'escalated';

export interface Alert {
  readonly id: string;
  readonly seq: number;
  readonly kind: 'watchlist_hit' | 'alarm';
  readonly state: AlertState;
  readonly priority: number;
  readonly isPriority: boolean;
  readonly centreId: string | null;
  readonly districtId: string | null;
  readonly cameraId: string;
  readonly personId: string | null;
  readonly similarity: number | null;
  readonly threshold: number | null;
  readonly hasEvidence: boolean;
  readonly message: string | null;
  readonly sightingCount: number;
  readonly capturedAt: string;
  readonly lastSeenAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
}

export type ViolationCode =
  'speeding' | 'red_light' | 'illegal_dumping' | 'no_seat_belt' | 'wrong_way_driving';

/** A logged violation as GET /v1/ops/violations and the live feed give it. */
export interface Violation {
  readonly eventId: string;
  readonly cameraId: string;
  readonly districtId: string | null;
  readonly centreId: string | null;
  readonly code: ViolationCode;
  readonly plate: string;
  readonly measuredSpeedKmh: number | null;
  readonly limitSpeedKmh: number | null;
  readonly evidenceRef: string;
  readonly lane: number | null;
  readonly capturedAt: string;
  readonly loggedAt: string;
}

export interface AlertDetail extends Alert {
  readonly personName: string | null;
  readonly caseReference: string | null;
  readonly watchlistName: string | null;
  readonly enrolledFaceIds: readonly string[];
  readonly decisions: readonly {
    action: string;
    reason: string | null;
    username: string;
    decidedAt: string;
  }[];
  readonly earlierSightings: readonly Alert[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
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

  async login(
    username: string,
    password: string,
  ): Promise<{ accessToken: string; user: StaffUser }> {
    const result = await this.request<{ accessToken: string; user: StaffUser }>(
      'POST',
      '/v1/auth/login',
      {
        username,
        password,
      },
    );
    this.token = result.accessToken;
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

  me(): Promise<StaffUser> {
    return this.request('GET', '/v1/auth/me');
  }

  alerts(): Promise<Alert[]> {
    return this.request('GET', '/v1/alerts?limit=200');
  }

  /** The most recent violations in the user's scope, newest logged first. */
  violations(limit = 100): Promise<{ violations: Violation[] }> {
    return this.request('GET', `/v1/ops/violations?limit=${limit}`);
  }

  alert(id: string): Promise<AlertDetail> {
    return this.request('GET', `/v1/alerts/${id}`);
  }

  decide(id: string, action: string, reason?: string): Promise<Alert> {
    return this.request(
      'POST',
      `/v1/alerts/${id}/decisions`,
      reason ? { action, reason } : { action },
    );
  }

  /** Images need the bearer token too, so they are fetched and shown as object URLs. */
  async image(path: string): Promise<string | null> {
    const response = await fetch(path, { headers: { authorization: `Bearer ${this.bearer}` } });
    if (!response.ok) return null;
    return URL.createObjectURL(await response.blob());
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
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!response.ok) {
      const message =
        json && typeof json === 'object' && 'message' in json
          ? String((json as { message: unknown }).message)
          : text;
      throw new ApiError(response.status, message || `${response.status}`);
    }
    return json as T;
  }
}
