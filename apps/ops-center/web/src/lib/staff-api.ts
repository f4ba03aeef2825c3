import type { components } from '../generated/api-types';
import { apiError } from './api';
import { session } from './feeds.svelte';

// The auditors' and system administrators' calls, with the types generated from the OpenAPI
// document (npm run openapi:types). Requests go with the session's bearer token; a refusal
// is the same ApiError the console shows (field, rule, params).

type Schemas = components['schemas'];
export type AuditHit = Schemas['AuditHit'];
export type AuditHitPage = Schemas['AuditHitPage'];
export type AuditTimeline = Schemas['AuditHitTimeline'];
export type AuditLogEntry = Schemas['AuditLogEntry'];
export type AuditLogPage = Schemas['AuditLogPage'];
export type ChainVerification = Schemas['ChainVerification'];
export type AuditWatchlist = Schemas['AuditWatchlist'];
export type StaffUserRecord = Schemas['StaffUser'];
export type StaffRole = StaffUserRecord['roles'][number];
export type ApiKey = Schemas['ApiKey'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type Centre = Schemas['Centre'];
export type District = Schemas['District'];
export type Camera = Schemas['Camera'];
export type CameraImportResult = Schemas['CameraImportResult'];

export const STAFF_ROLES: readonly StaffRole[] = [
  'operator',
  'supervisor',
  'watchlist-admin',
  'auditor',
  'system-admin',
];

interface Page<T> {
  readonly items: T[];
  readonly next_cursor: string | null;
}

/** A query string of the values given (empty ones left out). */
export function queryOf(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${session.api.bearer}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? (JSON.parse(text) as unknown) : null;
    } catch {
      // not JSON: the status says enough
    }
    throw apiError(response.status, json, text);
  }
  return response;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await (await call(method, path, body)).json()) as T;
}

/** Every page of a list (small lists: centres, districts, users, keys, watchlists). */
export async function all<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: Page<T> = await request<Page<T>>(
      'GET',
      `${path}${separator}limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null && items.length < 20_000);
  return items;
}

/** A file the server streams (CSV), as a Blob. */
export async function download(path: string): Promise<Blob> {
  return (await call('GET', path)).blob();
}

/** A wall-clock time typed in a datetime-local field, read in the centre's zone, as RFC 3339
 * with that zone's offset at that moment (Asia/Almaty: +05:00). */
export function zonedInstant(local: string, timeZone: string): string {
  const [date, clock = '00:00'] = local.split('T');
  const guess = new Date(`${date}T${clock.length === 5 ? `${clock}:00` : clock}Z`);
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(guess)
    .find((p) => p.type === 'timeZoneName')?.value;
  const offset = /GMT([+-]\d{2}):?(\d{2})?/.exec(part ?? '');
  const suffix = offset ? `${offset[1]}:${offset[2] ?? '00'}` : 'Z';
  return `${date}T${clock.length === 5 ? `${clock}:00` : clock}${suffix}`;
}
