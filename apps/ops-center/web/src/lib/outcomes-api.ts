import type { components, paths } from '../generated/api-types';
import { ApiError, type FieldError } from './api';
import { session } from './feeds.svelte';

// Dispatch, arrival, outcome and the monthly report (issue 20): the routes of
// apps/ops-center/src/outcomes and src/report, typed from the generated OpenAPI types.

type Schemas = components['schemas'];
export type AlertOutcome = Schemas['AlertOutcome'];
export type PatrolUnit = Schemas['PatrolUnit'];
export type MonthlyReport = Schemas['MonthlyReport'];
export type ReportFigures = Schemas['ReportFigures'];
export type OutcomeEntryRequest = NonNullable<
  paths['/v1/alerts/{id}/outcome-entries']['post']['requestBody']
>['content']['application/json'];
export type Outcome = NonNullable<OutcomeEntryRequest['outcome']>;
export const OUTCOMES: readonly Outcome[] = ['detained', 'not_found', 'not_the_subject', 'other'];

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      authorization: `Bearer ${session.api.bearer}`,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json: { errors?: FieldError[] } | null = null;
  try {
    json = text ? (JSON.parse(text) as { errors?: FieldError[] }) : null;
  } catch {
    // not JSON: the status says enough
  }
  if (!response.ok) {
    const errors = Array.isArray(json?.errors) ? json.errors : [];
    throw new ApiError(response.status, errors[0]?.message || String(response.status), errors);
  }
  return json as T;
}

/** The printable report (the page the CLI prints to PDF), as a file the browser saves. */
async function downloadMonthlyHtml(month: string, lang: string): Promise<void> {
  const response = await fetch(`/v1/reports/monthly/html?month=${month}&lang=${lang}`, {
    headers: { authorization: `Bearer ${session.api.bearer}` },
  });
  if (!response.ok) throw new ApiError(response.status, String(response.status));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = `kuzet-report-${month}-${lang}.html`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const outcomesApi = {
  downloadMonthlyHtml,
  outcome: (alertId: string) => request<AlertOutcome>('GET', `/v1/alerts/${alertId}/outcome`),
  record: (alertId: string, entry: OutcomeEntryRequest) =>
    request<AlertOutcome>('POST', `/v1/alerts/${alertId}/outcome-entries`, entry),
  units: (centreId: string) =>
    request<{ items: PatrolUnit[] }>(
      'GET',
      `/v1/patrol-units?centre_id=${encodeURIComponent(centreId)}&limit=500`,
    ),
  monthly: (month: string, centreId?: string) =>
    request<MonthlyReport>(
      'GET',
      `/v1/reports/monthly?month=${month}${centreId ? `&centre_id=${encodeURIComponent(centreId)}` : ''}`,
    ),
};
