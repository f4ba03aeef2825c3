import fc from 'fast-check';
import { effectiveInstructions } from './instructions';

describe('effective instructions', () => {
  it('are the person’s when set, else the list’s, else none', () => {
    const text = fc.option(fc.string({ minLength: 1 }), { nil: null });
    fc.assert(
      fc.property(text, text, (own, listed) => {
        const effective = effectiveInstructions({ instructions: own }, { instructions: listed });
        if (own !== null) expect(effective).toEqual({ instructions: own, source: 'person' });
        else if (listed !== null)
          expect(effective).toEqual({ instructions: listed, source: 'list' });
        else expect(effective).toEqual({ instructions: null, source: null });
      }),
    );
    expect(effectiveInstructions(null, null)).toEqual({ instructions: null, source: null });
  });
});
