import fc from 'fast-check';
import { decodeCursor, encodeCursor, pageOf, pageQuerySchema } from './paging';
import { RequestValidationException } from './zod-validation.pipe';

describe('paging', () => {
  it('walks any list page by page, each item once, in order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ maxLength: 6 })),
        fc.integer({ min: 1, max: 7 }),
        (names, limit) => {
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages <= names.length + 1; pages++) {
            const page = pageOf(names, (n) => n, pageQuerySchema.parse({ limit, cursor }));
            seen.push(...page.items);
            if (page.next_cursor === null) break;
            cursor = page.next_cursor;
          }
          expect(seen).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        },
      ),
    );
  });

  it('takes back its own cursors and refuses others with 400 on cursor', () => {
    expect(decodeCursor(encodeCursor(['2026-12-04T10:00:00.000Z', 7]), 2)).toEqual([
      '2026-12-04T10:00:00.000Z',
      7,
    ]);
    for (const forged of ['bm9wZQ', encodeCursor(['a']), encodeCursor([{} as never, 'x'])])
      expect(() => decodeCursor(forged, 2)).toThrow(RequestValidationException);
  });
});
