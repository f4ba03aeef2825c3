import { fastifyRefusal } from './http-hardening';

describe('fastifyRefusal', () => {
  const fastifys = (code: string, status: number, message: string) =>
    JSON.stringify({ statusCode: status, code, error: 'x', message });

  it('finds the message of the error bodies Fastify answers itself', () => {
    expect(
      fastifyRefusal(413, fastifys('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large')),
    ).toBe('Request body is too large');
    expect(
      fastifyRefusal(
        415,
        fastifys('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, "Unsupported Media Type: 'text/csv'"),
      ),
    ).toBe("Unsupported Media Type: 'text/csv'");
  });

  it('leaves every other answer alone: kuzet’s own errors, successes, 5xx, non-JSON', () => {
    const kuzets = JSON.stringify({
      statusCode: 413,
      error: 'Payload Too Large',
      message: '$: too big',
      errors: [{ field: '$', rule: 'max_bytes', message: 'too big' }],
    });
    expect(fastifyRefusal(413, kuzets)).toBeNull();
    expect(fastifyRefusal(200, fastifys('FST_ERR_X', 200, 'fine'))).toBeNull();
    expect(fastifyRefusal(500, fastifys('FST_ERR_X', 500, 'internal'))).toBeNull();
    expect(fastifyRefusal(400, 'plain "code":"FST_ text')).toBeNull();
    expect(fastifyRefusal(400, Buffer.from('{}'))).toBeNull();
    // a field of a body that merely says "code":"FST_…" inside kuzet's errors is not Fastify's
    expect(
      fastifyRefusal(400, JSON.stringify({ errors: [{ message: '"code":"FST_' }] })),
    ).toBeNull();
  });
});
