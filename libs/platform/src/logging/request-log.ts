/** Query parameters whose values never go to application logs: what a search is about (a
 * plate, a person, a name, a staff member) and the reason given for it belong in the audit
 * log only. */
export const UNLOGGED_QUERY_PARAMETERS: readonly string[] = [
  'plate',
  'reason',
  'person_id',
  'name',
  'q',
  'operator',
  'actor',
  'subject_id',
];

const REDACTED = '[Redacted]';

export function redactQueryValues(
  url: string,
  names: readonly string[] = UNLOGGED_QUERY_PARAMETERS,
): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const pairs = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const raw = eq < 0 ? pair : pair.slice(0, eq);
      let name = raw;
      try {
        name = decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        // a malformed name is logged as sent
      }
      return names.includes(name) ? `${raw}=${REDACTED}` : pair;
    });
  return `${url.slice(0, at)}?${pairs.join('&')}`;
}

interface SerializedRequest {
  url?: unknown;
  query?: unknown;
}

/** pino-http's `req` serializer on top of the standard one: the same fields, with the values
 * of UNLOGGED_QUERY_PARAMETERS replaced in the URL and the parsed query. */
export function requestLogSerializer<R extends SerializedRequest>(req: R): R {
  if (typeof req.url === 'string') req.url = redactQueryValues(req.url);
  if (req.query && typeof req.query === 'object') {
    const query = { ...(req.query as Record<string, unknown>) };
    for (const name of UNLOGGED_QUERY_PARAMETERS) if (name in query) query[name] = REDACTED;
    req.query = query;
  }
  return req;
}
