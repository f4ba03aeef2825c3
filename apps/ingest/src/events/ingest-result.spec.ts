import { errorBody } from './ingest-result';

describe('errorBody (the integrator API error shape)', () => {
  it.each([
    [401, 'Unauthorized'],
    [403, 'Forbidden'],
    [404, 'Not Found'],
    [409, 'Conflict'],
    [413, 'Payload Too Large'],
    [422, 'Unprocessable Entity'],
    [429, 'Too Many Requests'],
  ])('names status %i by its reason phrase, never "Error"', (status, reason) => {
    const body = errorBody(status, [{ field: 'X-Api-Key', rule: 'api_key', message: 'unknown' }]);
    expect(body).toEqual({
      statusCode: status,
      error: reason,
      message: 'X-Api-Key: unknown',
      errors: [{ field: 'X-Api-Key', rule: 'api_key', message: 'unknown' }],
    });
  });

  it('says the reason as the message when no field is at fault', () => {
    expect(errorBody(503, []).message).toBe('Service Unavailable');
  });
});
