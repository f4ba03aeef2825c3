import { CONTRACT_LIMITS } from '@kuzet/contracts';
import { decisionSchema } from './alert.dto';

describe('decisionSchema', () => {
  it('takes a reason as long as the Decision contract allows (2000 characters), not longer', () => {
    expect(CONTRACT_LIMITS.maxReasonLength).toBe(2000);
    const longest = 'r'.repeat(2000);
    expect(decisionSchema.safeParse({ action: 'reject', reason: longest }).success).toBe(true);
    const tooLong = decisionSchema.safeParse({ action: 'reject', reason: `${longest}r` });
    expect(tooLong.success).toBe(false);
  });
});
