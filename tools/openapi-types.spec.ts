import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { generatedTypes, offlineOpenApiDocument, TYPES_FILE } from './openapi-types';

// The console's API types are generated from the OpenAPI document (npm run build does it);
// the committed copy must be what the generator makes from the code as it is now.
describe('the console API types generated from the OpenAPI document', () => {
  it('are committed as the generator makes them from the current controllers and schemas', async () => {
    const committed = readFileSync(TYPES_FILE, 'utf8');
    // on failure: run npm run openapi:types and commit the file
    expect(committed === (await generatedTypes())).toBe(true);
  }, 60_000);

  it('come from a document with the routes and schemas the console uses', async () => {
    const document = await offlineOpenApiDocument();
    const schemas = document.components?.schemas ?? {};
    for (const name of [
      'Alert',
      'AlertPage',
      'AlertDetail',
      'ViolationFeedItem',
      'StaffPrincipal',
    ]) {
      expect(schemas).toHaveProperty(name);
    }
    const alerts = document.paths['/v1/alerts']?.get;
    expect(alerts?.responses['200']).toMatchObject({
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/AlertPage' } },
      },
    });
    expect(alerts?.['x-kuzet-roles' as keyof typeof alerts]).toEqual(['operator', 'supervisor']);
  }, 60_000);

  it('shows only request examples that the body schema accepts', async () => {
    const document = await offlineOpenApiDocument();
    const refused: string[] = [];
    let checked = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, unknown>)) {
        const json = (
          operation as {
            requestBody?: {
              content?: Record<string, { schema?: object; examples?: Record<string, unknown> }>;
            };
          }
        ).requestBody?.content?.['application/json'];
        if (!json?.schema || !json.examples) continue;
        const schema = z.fromJSONSchema(
          JSON.parse(JSON.stringify(json.schema).replace(/"nullable":true,?/g, '')) as Parameters<
            typeof z.fromJSONSchema
          >[0],
        );
        for (const [name, example] of Object.entries(json.examples)) {
          checked++;
          const result = schema.safeParse((example as { value: unknown }).value);
          if (!result.success) {
            refused.push(`${method.toUpperCase()} ${path} ${name}: ${result.error.message}`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(5);
    expect(refused).toEqual([]);
  }, 60_000);
});
