import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { z } from 'zod';
import {
  ApiResult,
  httpRoutesOf,
  JsonSchema,
  jsonDate,
  jsonResponseCheckOf,
  openApiSchemaOf,
  requestSchemasOf,
  resultOf,
  successStatusOf,
} from './openapi';
import { ZodValidationPipe } from './zod-validation.pipe';

const itemSchema = z.object({ id: z.uuid(), at: jsonDate() }).meta({ id: 'SpecItem' });
const bodySchema = z.strictObject({ name: z.string().min(1) });
const querySchema = z.strictObject({ limit: z.coerce.number().int().default(10) });

@Controller('v1/things')
class ThingsController {
  @Get()
  @ApiResult(z.array(itemSchema))
  list(@Query(new ZodValidationPipe(querySchema)) _query: unknown): unknown[] {
    return [];
  }

  @Post(':id')
  @HttpCode(200)
  @ApiResult(itemSchema)
  change(
    @Param('id', new ParseUUIDPipe()) _id: string,
    @Body(new ZodValidationPipe(bodySchema)) _body: unknown,
  ): unknown {
    return {};
  }

  @Post(':slug/raw')
  @ApiResult.empty()
  raw(@Param('slug', new ZodValidationPipe(z.string().max(8))) _slug: string, @Body() _b: Buffer) {
    return undefined;
  }
}

describe('OpenAPI from the routes and their zod schemas', () => {
  it('finds each route with the schemas its pipes validate and what it answers', async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ThingsController] }).compile();
    const routes = Object.fromEntries(httpRoutesOf(moduleRef).map((r) => [r.key, r]));
    expect(Object.keys(routes).sort()).toEqual([
      'GET /v1/things',
      'POST /v1/things/:id',
      'POST /v1/things/:slug/raw',
    ]);

    const list = routes['GET /v1/things']!;
    expect(requestSchemasOf(list)).toMatchObject({ query: querySchema, rawBody: false });
    expect(successStatusOf(list)).toBe(200);

    const change = routes['POST /v1/things/:id']!;
    expect(change.openApiPath).toBe('/v1/things/{id}');
    expect(requestSchemasOf(change)).toMatchObject({ body: bodySchema, params: { id: 'uuid' } });
    expect(resultOf(change)).toMatchObject({ kind: 'json', schema: itemSchema });
    expect(successStatusOf(change)).toBe(200);

    const raw = routes['POST /v1/things/:slug/raw']!;
    const request = requestSchemasOf(raw);
    expect(request.rawBody).toBe(true);
    expect(request.params.slug).toBeInstanceOf(z.ZodString);
    expect(successStatusOf(raw)).toBe(204);
    await moduleRef.close();
  });

  it('puts schemas with an id in components and refers to them; dates are strings', () => {
    const components: Record<string, JsonSchema> = {};
    expect(openApiSchemaOf(z.array(itemSchema), 'output', components)).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/SpecItem' },
    });
    expect(components.SpecItem).toMatchObject({
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        at: { type: 'string', format: 'date-time' },
      },
      required: ['id', 'at'],
    });
    // what a request may send: a defaulted field is optional, and input ids are kept apart
    const input = openApiSchemaOf(querySchema, 'input', components);
    expect(input).toMatchObject({ properties: { limit: { default: 10 } } });
    expect(input.required).toBeUndefined();
    expect(openApiSchemaOf(itemSchema, 'input', components)).toEqual({
      $ref: '#/components/schemas/SpecItemInput',
    });
  });

  it('checks a JSON answer against the documented schema', () => {
    const check = jsonResponseCheckOf(itemSchema);
    const id = '0b8f6f4e-3c1a-4d2b-9e7f-1a2b3c4d5e6f';
    expect(check.safeParse({ id, at: new Date().toISOString() }).success).toBe(true);
    expect(check.safeParse({ id, at: 5 }).success).toBe(false);
    expect(check.safeParse({ id }).success).toBe(false);
  });
});
