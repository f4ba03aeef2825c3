import { z } from 'zod';
import { RequestValidationException } from './zod-validation.pipe';

/** The one paging style of the staff API (docs/api-conventions.md): `limit` and an opaque
 * `cursor` in, `{ items, next_cursor }` out; `next_cursor` is null on the last page. */
export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 500;

export const pageQueryShape = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_LIMIT)
    .default(DEFAULT_PAGE_LIMIT)
    .meta({ description: `items a page holds (1..${MAX_PAGE_LIMIT})` }),
  cursor: z
    .string()
    .max(512)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional()
    .meta({ description: 'next_cursor of the page before; absent for the first page' }),
};
export const pageQuerySchema = z.strictObject(pageQueryShape);
export type PageQuery = z.infer<typeof pageQuerySchema>;

export interface Page<T> {
  readonly items: readonly T[];
  readonly next_cursor: string | null;
}

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'send as cursor for the next page; null on the last page' }),
  });
}

/** The sort key of the last item of a page, as an opaque cursor (base64url of JSON). */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** A cursor back to its sort key, or 400 on `cursor` when it is not one this API made. */
export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((part) => typeof part === 'string' || typeof part === 'number')
    )
      return key as (string | number)[];
  } catch {
    // refused below
  }
  throw new RequestValidationException([
    { field: 'cursor', rule: 'invalid_cursor', message: 'not a cursor this API gave out' },
  ]);
}

/** A page of a list held in memory (small lists: users, API keys, watchlists), sorted by
 * `keyOf` ascending; the cursor is the key of the last item given. */
export function pageOf<T>(
  all: readonly T[],
  keyOf: (item: T) => string,
  query: PageQuery,
): Page<T> {
  const sorted = [...all].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const after = query.cursor === undefined ? undefined : String(decodeCursor(query.cursor, 1)[0]);
  const rest = after === undefined ? sorted : sorted.filter((item) => keyOf(item) > after);
  const items = rest.slice(0, query.limit);
  const more = rest.length > items.length;
  return {
    items,
    next_cursor: more ? encodeCursor([keyOf(items[items.length - 1]!)]) : null,
  };
}
