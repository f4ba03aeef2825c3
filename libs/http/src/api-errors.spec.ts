import {
  Controller,
  ForbiddenException,
  Get,
  NotFoundException,
  Query,
  UnauthorizedException,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { z } from 'zod';
import { ApiErrorFilter } from './api-errors';
import { errorBodySchema } from './openapi';
import { TooManyRequestsException } from './too-many-requests';
import { ZodValidationPipe } from './zod-validation.pipe';

const query = z.strictObject({ name: z.string().min(8), kind: z.enum(['a', 'b']).optional() });

@Controller('v1')
class ThrowingController {
  @Get('things')
  things(@Query(new ZodValidationPipe(query)) _q: unknown): void {}
  @Get('missing')
  missing(): void {
    throw new NotFoundException('thing 7 does not exist');
  }
  @Get('denied')
  denied(): void {
    throw new ForbiddenException();
  }
  @Get('busy')
  busy(): void {
    throw new TooManyRequestsException(2.5, 'slow down');
  }
  @Get('integrator/me')
  integrator(): void {
    throw new UnauthorizedException('an API key is needed');
  }
  @Get('devices/hikvision/events')
  device(): void {
    throw new UnauthorizedException('an API key is needed');
  }
}

describe('ApiErrorFilter', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [ThrowingController],
      providers: [{ provide: APP_FILTER, useClass: ApiErrorFilter }],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());
  const get = (url: string) => app.inject({ method: 'GET', url });

  it('answers every staff 4xx as { errors: [{ field, rule, message, params? }] }', async () => {
    const invalid = await get('/v1/things?name=short&kind=c');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toEqual({
      errors: [
        expect.objectContaining({
          field: 'name',
          rule: 'too_small',
          params: expect.objectContaining({ minimum: 8 }),
        }),
        expect.objectContaining({
          field: 'kind',
          rule: 'invalid_value',
          params: { values: ['a', 'b'] },
        }),
      ],
    });
    expect((await get('/v1/things')).json()).toEqual({
      errors: [expect.objectContaining({ field: 'name', rule: 'required' })],
    });
    expect((await get('/v1/missing')).json()).toEqual({
      errors: [{ field: '$', rule: 'not_found', message: 'thing 7 does not exist' }],
    });
    expect((await get('/v1/denied')).json()).toEqual({
      errors: [{ field: '$', rule: 'forbidden', message: 'Forbidden' }],
    });
    const busy = await get('/v1/busy');
    expect(busy.headers['retry-after']).toBe('3');
    expect(busy.json()).toEqual({
      errors: [
        {
          field: '$',
          rule: 'rate_limit',
          message: 'slow down',
          params: { retry_after_seconds: 3 },
        },
      ],
    });
    // Nest's own 404 for a route that does not exist
    const unknown = await get('/v1/nowhere');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ errors: [{ field: '$', rule: 'not_found' }] });
    for (const url of ['/v1/things?name=x', '/v1/missing', '/v1/denied', '/v1/busy', '/v1/nowhere'])
      expect(errorBodySchema.safeParse((await get(url)).json()).success).toBe(true);
  });

  it('leaves the integrator API v1 and the device adapters their own error body', async () => {
    for (const url of ['/v1/integrator/me', '/v1/devices/hikvision/events']) {
      expect((await get(url)).json()).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'an API key is needed',
      });
    }
  });
});
