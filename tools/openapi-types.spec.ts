import { readFileSync } from 'node:fs';
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
    for (const name of ['Alert', 'AlertDetail', 'ViolationFeedItem', 'StaffPrincipal']) {
      expect(schemas).toHaveProperty(name);
    }
    const alerts = document.paths['/v1/alerts']?.get;
    expect(alerts?.responses['200']).toMatchObject({
      content: {
        'application/json': { schema: { items: { $ref: '#/components/schemas/Alert' } } },
      },
    });
    expect(alerts?.['x-kuzet-roles' as keyof typeof alerts]).toEqual(['operator', 'supervisor']);
  }, 60_000);
});
