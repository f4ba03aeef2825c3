import fc from 'fast-check';
import { findControlCharacter } from './control-characters';

describe('findControlCharacter', () => {
  it('names the path of the first string with a control character', () => {
    expect(findControlCharacter({ a: { b: ['ok', 'x\u0000y'] } }, 'body')).toBe('body.a.b.1');
    expect(findControlCharacter({ camera_id: 'cam\u001f' })).toBe('camera_id');
    expect(findControlCharacter('\u007f')).toBe('$');
  });

  it('allows tab and line breaks in free text', () => {
    expect(findControlCharacter({ reason: 'line one\r\nline two\tend' })).toBeNull();
  });

  it('finds a control character wherever it is put, and nothing in clean values', () => {
    const clean = fc.string({ unit: fc.constantFrom('a', 'Ж', '1', ' ', '\n') });
    const control = fc.integer({ min: 0, max: 0x1f }).filter((c) => ![9, 10, 13].includes(c));
    fc.assert(
      fc.property(fc.array(clean, { minLength: 1 }), control, fc.nat(), (items, c, at) => {
        expect(findControlCharacter({ items })).toBeNull();
        const index = at % items.length;
        const dirty = items.map((item, i) => (i === index ? item + String.fromCharCode(c) : item));
        expect(findControlCharacter({ items: dirty })).toBe(`items.${index}`);
      }),
    );
  });
});
