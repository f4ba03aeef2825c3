import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loginResultSchema, staffUserPageSchema, staffUserSchema } from '@kuzet/auth';
import { errorBodySchema, jsonResponseCheckOf } from '@kuzet/http';

// Every ```json schema=Name block of docs/api-conventions.md is an answer of the staff API:
// it must pass the response schema of that name as the routes document it (dates as strings,
// no field the schema does not name), so the page cannot drift from the code.
const SCHEMAS: Record<string, z.ZodType> = {
  StaffErrorBody: errorBodySchema,
  StaffUser: staffUserSchema,
  StaffUserPage: staffUserPageSchema,
  LoginResult: loginResultSchema,
};

const page = readFileSync(join(__dirname, '..', 'docs', 'api-conventions.md'), 'utf8');
const examples = [...page.matchAll(/```json schema=(\w+)\n([\s\S]*?)```/g)].map((m, index) => ({
  index,
  name: m[1]!,
  text: m[2]!,
}));

describe('the examples of docs/api-conventions.md', () => {
  it('are there, for every schema this test knows', () => {
    expect(new Set(examples.map((e) => e.name))).toEqual(new Set(Object.keys(SCHEMAS)));
  });

  it.each(examples)('example $index ($name) is what the API answers', ({ name, text }) => {
    const schema = SCHEMAS[name];
    expect(schema).toBeDefined();
    const result = jsonResponseCheckOf(schema!).safeParse(JSON.parse(text));
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it('would catch an example with a field the schema does not name', () => {
    const stale = { errors: [{ field: '$', rule: 'not_found', message: 'x' }], statusCode: 404 };
    expect(jsonResponseCheckOf(errorBodySchema).safeParse(stale).success).toBe(false);
  });
});
