import { redactQueryValues, requestLogSerializer } from './request-log';

describe('request log redaction', () => {
  it('replaces the values of plate and reason in a logged URL, keeping everything else', () => {
    expect(
      redactQueryValues('/v1/violations?plate=123ABC02&limit=5&reason=case%2042%20theft&code=x'),
    ).toBe('/v1/violations?plate=[Redacted]&limit=5&reason=[Redacted]&code=x');
    expect(redactQueryValues('/v1/violations?pl%61te=123ABC02')).toBe(
      '/v1/violations?pl%61te=[Redacted]',
    );
    expect(redactQueryValues('/v1/violations/stats?district_id=munaily')).toBe(
      '/v1/violations/stats?district_id=munaily',
    );
    expect(redactQueryValues('/health/live')).toBe('/health/live');
  });

  it('redacts the parsed query as well', () => {
    const serialized = requestLogSerializer({
      method: 'GET',
      url: '/v1/violations?plate=777KZ&reason=theft',
      query: { plate: '777KZ', reason: 'theft', limit: '5' },
    });
    expect(JSON.stringify(serialized)).not.toMatch(/777KZ|theft/);
    expect(serialized.query).toEqual({ plate: '[Redacted]', reason: '[Redacted]', limit: '5' });
  });
});
