import { CONTRACT_LIMITS } from '@kuzet/contracts';
import fc from 'fast-check';
import { assignmentSchema, decisionSchema } from './alert.dto';

describe('decisionSchema', () => {
  it('takes a reason as long as the Decision contract allows (2000 characters), not longer', () => {
    expect(CONTRACT_LIMITS.maxReasonLength).toBe(2000);
    const longest = 'r'.repeat(2000);
    expect(decisionSchema.safeParse({ action: 'reject', reason: longest }).success).toBe(true);
    const tooLong = decisionSchema.safeParse({ action: 'reject', reason: `${longest}r` });
    expect(tooLong.success).toBe(false);
  });
});

describe('assignmentSchema', () => {
  it('takes an operator id (a UUID) and an optional reason, nothing else', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.option(fc.string({ maxLength: 50 }), { nil: undefined }),
        (id, reason) => {
          const body = reason === undefined ? { assignee_id: id } : { assignee_id: id, reason };
          expect(assignmentSchema.safeParse(body).success).toBe(true);
        },
      ),
    );
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const parsed = assignmentSchema.safeParse({ assignee_id: value });
        if (parsed.success) expect(typeof value).toBe('string');
      }),
    );
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.string({ minLength: 1 }).filter((k) => k !== 'assignee_id' && k !== 'reason'),
        (id, key) => {
          expect(assignmentSchema.safeParse({ assignee_id: id, [key]: 1 }).success).toBe(false);
        },
      ),
    );
  });
});
