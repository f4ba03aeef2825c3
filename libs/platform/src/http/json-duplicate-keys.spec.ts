import { findDuplicateJsonKey } from './json-duplicate-keys';

describe('findDuplicateJsonKey', () => {
  it('finds nothing in JSON without duplicate keys', () => {
    expect(findDuplicateJsonKey('{"a": 1, "b": {"a": [1, {"a": 2}]}, "c": "a\\"a"}')).toBeNull();
    expect(findDuplicateJsonKey('[{"a": 1}, {"a": 2}]')).toBeNull();
    expect(findDuplicateJsonKey('"a"')).toBeNull();
  });

  it('names the path of a duplicate key, through objects and arrays', () => {
    expect(findDuplicateJsonKey('{"a": 1, "a": 2}')).toEqual({ path: 'a', key: 'a' });
    expect(findDuplicateJsonKey('{"v": {"plate": "x", "lane": 1, "plate": "y"}}')).toEqual({
      path: 'v.plate',
      key: 'plate',
    });
    expect(
      findDuplicateJsonKey('{"events": [{"id": 1}, {"id": 2, "x": [1, 2], "id": 3}]}'),
    ).toEqual({ path: 'events[1].id', key: 'id' });
  });

  it('compares keys after unescaping, and ignores braces and commas inside strings', () => {
    expect(findDuplicateJsonKey('{"a": "{,}", "\\u0061": 2}')).toEqual({ path: 'a', key: 'a' });
    expect(findDuplicateJsonKey('{"x y": 1, "x y": 2}')).toEqual({ path: '"x y"', key: 'x y' });
  });
});
