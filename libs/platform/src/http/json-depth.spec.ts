import fc from 'fast-check';
import { jsonNestingDepth } from './json-depth';

/** The nesting JSON.parse would build, counted on the parsed value. */
function parsedDepth(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(parsedDepth));
  if (value !== null && typeof value === 'object')
    return 1 + Math.max(0, ...Object.values(value).map(parsedDepth));
  return 0;
}

describe('jsonNestingDepth', () => {
  it('agrees with the parsed value for any JSON, brackets inside strings included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = JSON.stringify(value);
        expect(jsonNestingDepth(text, 100)).toBe(parsedDepth(value));
      }),
    );
  });

  it('stops as soon as the limit is passed', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(jsonNestingDepth(deep, 32)).toBe(33);
    expect(jsonNestingDepth('{"a":"[[[[\\"[[["}', 1)).toBe(1);
  });
});
