import { RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  API_KEY_AUTH_METADATA,
  PUBLIC_METADATA,
  ROLES_METADATA,
  STAFF_ROLES,
  StaffRole,
} from '@kuzet/auth';
import { HttpRoute, jsonResponseCheckOf, requestSchemasOf, resultOf } from '@kuzet/http';
import {
  buildOpenApiDocument,
  OpenApiDocuments,
  ROLES_EXTENSION,
} from '../../apps/ingest/src/openapi';
import { offlineOpenApiDocument } from '../../tools/openapi-types';
import { createTestDatabase, TestDatabase } from '../support/database';
import { everyAppModule, startTestApp } from '../support/kuzet-app';
import { SignedInStaff, signInAs } from '../support/staff';

type Access = 'public' | 'api-key' | readonly StaffRole[];

const ALL: readonly StaffRole[] = STAFF_ROLES;
const OPS: readonly StaffRole[] = ['operator', 'supervisor'];

/** Who may call what. An endpoint missing here fails the test: declare its role in the
 * controller and add it here. */
const EXPECTED: Record<string, Access> = {
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',
  'POST /v1/auth/login': 'public',
  'GET /v1/auth/me': ALL,
  'POST /v1/auth/logout': ALL,
  'GET /v1/openapi.json': ALL,
  'POST /v1/users': ['system-admin'],
  'GET /v1/users': ['system-admin'],
  'GET /v1/users/:id': ['system-admin'],
  'PATCH /v1/users/:id': ['system-admin'],
  'POST /v1/events': 'api-key',
  'POST /v1/cameras/:cameraId/frames': 'api-key',
  'POST /v1/devices/hikvision/events': 'api-key',
  'POST /v1/devices/identify': 'api-key',
  'GET /v1/integrator/me': 'api-key',
  'GET /v1/integrator/cameras': 'api-key',
  'POST /v1/api-keys': ['system-admin'],
  'GET /v1/api-keys': ['system-admin'],
  'POST /v1/api-keys/:id/revoke': ['system-admin'],
  'GET /v1/centres': ALL,
  'PUT /v1/centres/:id': ['system-admin'],
  'GET /v1/centres/:id/analytics': ['system-admin', 'supervisor'],
  'PUT /v1/centres/:id/analytics': ['system-admin'],
  'GET /v1/districts': ALL,
  'PUT /v1/districts/:id': ['system-admin'],
  'GET /v1/cameras': ALL,
  'GET /v1/cameras/:id': ALL,
  'POST /v1/cameras': ['system-admin'],
  'PATCH /v1/cameras/:id': ['system-admin'],
  'POST /v1/cameras/import': ['system-admin'],
  'GET /v1/violations/stats': ['supervisor', 'auditor'],
  'GET /v1/violations': ['supervisor', 'auditor'],
  'GET /v1/violations/:eventId': ['supervisor', 'auditor'],
  'POST /v1/vehicle-lists': ['watchlist-admin'],
  'GET /v1/vehicle-lists': ['watchlist-admin'],
  'PATCH /v1/vehicle-lists/:id': ['watchlist-admin'],
  'POST /v1/vehicle-lists/:id/archive': ['watchlist-admin'],
  'GET /v1/vehicle-lists/:id/entries': ['watchlist-admin'],
  'POST /v1/vehicle-lists/:id/entries': ['watchlist-admin'],
  'DELETE /v1/vehicle-list-entries/:id': ['watchlist-admin'],
  // plates on no list: supervisors only, with a reason (test/vehicles/plate-route.e2e-spec.ts)
  'GET /v1/vehicles/route': OPS,
  'POST /v1/watchlists': ['watchlist-admin'],
  'GET /v1/watchlists': ['watchlist-admin'],
  'GET /v1/watchlists/:id': ['watchlist-admin'],
  'PATCH /v1/watchlists/:id': ['watchlist-admin'],
  'POST /v1/watchlists/:id/archive': ['watchlist-admin'],
  'GET /v1/persons': ['watchlist-admin'],
  'POST /v1/persons/photo-check': ['watchlist-admin'],
  'PATCH /v1/persons/:id': ['watchlist-admin'],
  'POST /v1/persons/:id/photos': ['watchlist-admin'],
  'GET /v1/persons/:id/confirmed-hits': ['watchlist-admin'],
  'GET /v1/persons/:id/confirmed-hits/:alertId/crop': ['watchlist-admin'],
  'POST /v1/persons/:id/photos/from-hit': ['watchlist-admin'],
  'DELETE /v1/persons/:id/faces/:faceId': ['watchlist-admin'],
  'POST /v1/watchlists/:id/persons': ['watchlist-admin'],
  'GET /v1/watchlists/:id/persons': ['watchlist-admin'],
  // learning from decisions (issue 21): negatives, suppressions, thresholds from evidence
  'GET /v1/watchlist-learning': ['supervisor', 'watchlist-admin', 'auditor'],
  'GET /v1/watchlists/:id/negatives': ['watchlist-admin', 'supervisor', 'auditor'],
  'DELETE /v1/watchlists/:id/negatives/:negativeId': ['watchlist-admin'],
  'POST /v1/watchlists/:id/negatives/:negativeId/approve': ['supervisor', 'watchlist-admin'],
  'GET /v1/watchlists/:id/suppressions': ['supervisor', 'auditor'],
  'GET /v1/watchlists/:id/suppression-policy': ['supervisor', 'watchlist-admin', 'auditor'],
  'PUT /v1/watchlists/:id/suppression-policy': ['supervisor', 'watchlist-admin'],
  'GET /v1/watchlists/:id/threshold-evidence': ['supervisor', 'watchlist-admin', 'auditor'],
  'GET /v1/watchlists/:id/threshold-decisions': ['supervisor', 'watchlist-admin', 'auditor'],
  'POST /v1/watchlists/:id/threshold-decisions': ['supervisor', 'watchlist-admin'],
  'POST /v1/watchlists/:id/threshold-decisions/:decisionId/revert': [
    'supervisor',
    'watchlist-admin',
  ],
  'GET /v1/persons/:id': ['watchlist-admin'],
  'DELETE /v1/persons/:id': ['watchlist-admin'],
  'GET /v1/persons/:id/faces/:faceId/thumbnail': ['watchlist-admin'],
  'GET /v1/alerts': OPS,
  'GET /v1/alerts/:id': OPS,
  'POST /v1/alerts/:id/decisions': OPS,
  'POST /v1/alerts/:id/assignment': ['supervisor'],
  'GET /v1/alerts/:id/assignees': ['supervisor'],
  'GET /v1/alerts/:id/face-crop': OPS,
  'GET /v1/alerts/:id/enrolled-faces/:faceId': OPS,
  'GET /v1/alerts/:id/plate-crop': OPS,
  'GET /v1/alerts/:id/overview': OPS,
  'GET /v1/alerts/:id/vehicle-reads': OPS,
  'GET /v1/ops/violations': OPS,
  'GET /v1/alerts/:id/outcome': OPS,
  'POST /v1/alerts/:id/outcome-entries': OPS,
  'GET /v1/outcomes/overdue': ['supervisor'],
  'GET /v1/patrol-units': ['operator', 'supervisor', 'system-admin'],
  'POST /v1/patrol-units': ['supervisor', 'system-admin'],
  'PATCH /v1/patrol-units/:id': ['supervisor', 'system-admin'],
  'GET /v1/reports/monthly': ['supervisor', 'auditor'],
  'GET /v1/reports/monthly/html': ['supervisor', 'auditor'],
  'GET /v1/reports/response-times': ['supervisor', 'auditor'],
  'GET /v1/ops/overview': ['supervisor'],
  'GET /v1/camera-health/districts': OPS,
  'GET /v1/camera-map': ['operator', 'supervisor', 'system-admin'],
  'GET /v1/camera-map/position-problems': ['system-admin'],
  'GET /v1/camera-health/offline': OPS,
  'GET /console': 'public',
  'GET /console/assets/:file': 'public',
  'GET /favicon.ico': 'public',
  'GET /v1/audit/hits': ['auditor'],
  'GET /v1/audit/hits/export': ['auditor'],
  'GET /v1/audit/hits/export/xlsx': ['auditor'],
  'GET /v1/audit/hits/:hitId/timeline': ['auditor'],
  'GET /v1/audit/hits/:hitId/face-crop': ['auditor'],
  'GET /v1/audit/watchlists': ['auditor'],
  'GET /v1/audit/log': ['auditor'],
  'GET /v1/audit/verify': ['auditor'],
};

/** Let through and answered: the guard said yes and the handler did not fail. A 5xx is no
 * "allowed": an empty body and random ids must meet a 4xx of validation or lookup. */
function allowed(status: number): boolean {
  return status < 500 && status !== 401 && status !== 403;
}

interface Route {
  readonly method: string;
  readonly path: string;
  readonly key: string;
  /** What the controller declares, read the way the guard reads it. */
  readonly declared: Access | 'nothing';
  /** The body's media type where the route checks it before anything else (ingest). */
  readonly mediaType: string;
  readonly http: HttpRoute;
}

function mediaTypeOf(handler: object): string {
  const config = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as
    { ingest?: { mediaTypes?: string[] } } | undefined;
  return config?.ingest?.mediaTypes?.[0] ?? 'application/json';
}

/** A request with an empty body of the route's media type and random ids in its path. */
function requestTo(route: Route, headers: Record<string, string>) {
  const json = route.mediaType === 'application/json';
  return {
    method: route.method as 'GET',
    url: route.path.replace(/:[A-Za-z]+/g, randomUUID()),
    headers: route.method === 'GET' ? headers : { ...headers, 'content-type': route.mediaType },
    payload: route.method === 'GET' ? undefined : json ? '{}' : Buffer.from('x'),
  };
}

/** Every HTTP route of every controller in the app, from Nest's own module container. */
function routesOf(app: NestFastifyApplication): Route[] {
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const routes: Route[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller) continue;
      const base = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
      for (const name of scanner.getAllMethodNames(controller.prototype as object)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as () => unknown;
        const own = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (own === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const targets = [handler, controller];
        const declared: Access | 'nothing' = reflector.getAllAndOverride(PUBLIC_METADATA, targets)
          ? 'public'
          : reflector.getAllAndOverride(API_KEY_AUTH_METADATA, targets)
            ? 'api-key'
            : (reflector.getAllAndOverride<StaffRole[] | undefined>(ROLES_METADATA, targets) ??
              'nothing');
        for (const prefix of base) {
          for (const suffix of [own].flat()) {
            const path = `/${[prefix, suffix].filter((p) => p && p !== '/').join('/')}`
              .replace(/\/+/g, '/')
              .replace(/(.)\/$/, '$1');
            routes.push({
              method: method!,
              path,
              key: `${method} ${path}`,
              declared,
              mediaType: mediaTypeOf(handler),
              http: {
                method: method!,
                path,
                openApiPath: path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
                key: `${method} ${path}`,
                controller,
                methodName: name,
                handler,
              },
            });
          }
        }
      }
    }
  }
  return routes;
}

/** Every module the standalone process mounts (all the apps), on Kafka and PostgreSQL. */
describe('who may call which endpoint (role by endpoint)', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let dataDir: string;
  const staff = new Map<StaffRole, SignedInStaff>();
  const SIGN_OUT = 'POST /v1/auth/logout';

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'kuzet-roles-'));
    ({ app } = await startTestApp(everyAppModule(), {
      DATABASE_URL: database.url,
      KUZET_DATA_DIR: dataDir,
      RETENTION_PURGE_INTERVAL_MS: 0,
    }));
    for (const role of STAFF_ROLES) staff.set(role, await signInAs(app, [role], ['centre-a']));
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds every route in the table, each declaring exactly the access the table gives it', () => {
    const routes = routesOf(app);
    expect(routes.length).toBeGreaterThan(30);
    const declared = Object.fromEntries(routes.map((r) => [r.key, r.declared]));
    expect(declared).toEqual(EXPECTED);
  });

  it('finds every route in the OpenAPI document with its roles, request and response schemas', async () => {
    app.get(OpenApiDocuments).staff = buildOpenApiDocument(app);
    const served = await app.inject({
      method: 'GET',
      url: '/v1/openapi.json',
      headers: staff.get('operator')!.headers,
    });
    expect(served.statusCode).toBe(200);
    const document = served.json<OpenAPIObject>();
    type Operation = {
      description?: string;
      [ROLES_EXTENSION]?: string[];
      parameters?: Array<{ name: string; in: string; schema?: object }>;
      requestBody?: { content?: Record<string, { schema?: object }> };
      responses?: Record<string, { content?: Record<string, { schema?: object }> }>;
    };
    const problems: string[] = [];
    const routes = routesOf(app);
    for (const route of routes) {
      const operation = (document.paths[route.http.openApiPath] as Record<string, Operation>)?.[
        route.method.toLowerCase()
      ];
      if (!operation) {
        problems.push(`${route.key}: not in the document`);
        continue;
      }
      const roles = typeof route.declared === 'string' ? [route.declared] : [...route.declared];
      if (JSON.stringify(operation[ROLES_EXTENSION]) !== JSON.stringify(roles)) {
        problems.push(
          `${route.key}: roles ${String(operation[ROLES_EXTENSION])}, declared ${roles}`,
        );
      }
      if (!operation.description?.includes('Access: ')) {
        problems.push(`${route.key}: the description does not say who may call it`);
      }
      const request = requestSchemasOf(route.http);
      if (request.body || request.rawBody) {
        const content = Object.values(operation.requestBody?.content ?? {});
        if (content.length === 0 || !content.every((c) => c.schema)) {
          problems.push(`${route.key}: takes a body but documents no schema for it`);
        }
      }
      if (request.query) {
        const names = Object.keys(
          (z.toJSONSchema(request.query, { io: 'input', unrepresentable: 'any' }).properties ??
            {}) as object,
        ).sort();
        const documented = (operation.parameters ?? [])
          .filter((p) => p.in === 'query' && p.schema)
          .map((p) => p.name)
          .sort();
        if (JSON.stringify(names) !== JSON.stringify(documented)) {
          problems.push(`${route.key}: query ${documented}, the schema takes ${names}`);
        }
      }
      for (const name of route.path.match(/:([A-Za-z0-9_]+)/g) ?? []) {
        const documented = operation.parameters?.find(
          (p) => p.in === 'path' && p.name === name.slice(1) && p.schema,
        );
        if (!documented) problems.push(`${route.key}: path parameter ${name} undocumented`);
      }
      const success = Object.entries(operation.responses ?? {}).filter(([status, response]) =>
        status === '204'
          ? true
          : /^2/.test(status) && Object.values(response.content ?? {}).some((c) => c.schema),
      );
      if (success.length === 0) problems.push(`${route.key}: no response schema`);
    }
    expect(problems).toEqual([]);
    // the document the console's types are generated from (without a database) is this one
    expect(await offlineOpenApiDocument()).toEqual(document);
  });

  it('answers what the document says: lists read as each allowed role match their response schemas', async () => {
    const mismatches: string[] = [];
    let checked = 0;
    for (const route of routesOf(app)) {
      const result = resultOf(route.http);
      if (route.method !== 'GET' || route.path.includes(':') || result?.kind !== 'json') continue;
      if (!Array.isArray(route.declared)) continue;
      const role = (route.declared as StaffRole[])[0]!;
      const response = await app.inject({
        method: 'GET',
        url: route.path,
        headers: staff.get(role)!.headers,
      });
      if (response.statusCode !== 200) continue;
      checked++;
      const parsed = jsonResponseCheckOf(result.schema).safeParse(response.json());
      if (!parsed.success) {
        mismatches.push(`${route.key}: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`);
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(mismatches).toEqual([]);
  });

  it('lets each role reach exactly its endpoints (answered, never 5xx): 403 elsewhere, 401 without a session', async () => {
    const outcomes: string[] = [];
    for (const route of routesOf(app)) {
      const access = EXPECTED[route.key]!;
      const call = (headers: Record<string, string>) => app.inject(requestTo(route, headers));
      const anonymous = (await call({})).statusCode;
      if (access === 'public') {
        if (!allowed(anonymous)) outcomes.push(`${route.key} anonymous ${anonymous}`);
      } else if (anonymous !== 401) {
        outcomes.push(`${route.key} anonymous ${anonymous}, expected 401`);
      }
      for (const role of STAFF_ROLES) {
        // signing out ends the session it is called with: a session of its own for that
        const headers =
          route.key === SIGN_OUT
            ? (await signInAs(app, [role], ['centre-a'])).headers
            : staff.get(role)!.headers;
        const status = (await call({ ...headers })).statusCode;
        const expected =
          access === 'public'
            ? 'allowed'
            : access === 'api-key'
              ? 401
              : access.includes(role)
                ? 'allowed'
                : 403;
        const ok = expected === 'allowed' ? allowed(status) : status === expected;
        if (!ok) outcomes.push(`${route.key} as ${role}: ${status}, expected ${expected}`);
      }
    }
    expect(outcomes).toEqual([]);
  });

  it('lets an auditor change nothing: every write answers 403 (or 401 where an API key is needed)', async () => {
    // signing out changes nothing but one's own session
    const writes = routesOf(app).filter(
      (r) => r.method !== 'GET' && EXPECTED[r.key] !== 'public' && r.key !== SIGN_OUT,
    );
    expect(writes.length).toBeGreaterThan(10);
    for (const route of writes) {
      const response = await app.inject(requestTo(route, staff.get('auditor')!.headers));
      expect({ route: route.key, status: response.statusCode }).toEqual({
        route: route.key,
        status: EXPECTED[route.key] === 'api-key' ? 401 : 403,
      });
    }
  });

  it('refuses a forged, an expired-looking and a revoked session with 401', async () => {
    // an operator of its own: disabling the shared one would fail any test run after this one
    const operator = await signInAs(app, ['operator'], ['centre-a']);
    const me = (authorization: string) =>
      app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization } });
    expect((await me(operator.headers.authorization)).json()).toMatchObject({
      username: operator.username,
      roles: ['operator'],
      centre_ids: ['centre-a'],
    });
    const [header, payload] = operator.token.split('.');
    const forged = `${header}.${Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload!, 'base64url').toString()),
        roles: ['system-admin'],
      }),
    ).toString('base64url')}.${operator.token.split('.')[2]}`;
    expect((await me(`Bearer ${forged}`)).statusCode).toBe(401);
    expect((await me('Bearer not-a-token')).statusCode).toBe(401);

    // a system administrator disables the operator: the session ends
    const disabled = await app.inject({
      method: 'PATCH',
      url: `/v1/users/${operator.userId}`,
      headers: staff.get('system-admin')!.headers,
      payload: { status: 'disabled' },
    });
    expect(disabled.statusCode).toBe(200);
    expect((await me(operator.headers.authorization)).statusCode).toBe(401);
    const login = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { username: operator.username, password: 'whatever-it-was' },
    });
    expect(login.statusCode).toBe(401);
  });

  it("does not show an operator another centre's alerts", async () => {
    const operator = await signInAs(app, ['operator'], ['centre-a']);
    const own = randomUUID();
    const other = randomUUID();
    for (const [id, centre] of [
      [own, 'centre-a'],
      [other, 'centre-b'],
    ] as const) {
      await app.get(DataSource).query(
        `INSERT INTO alert (id, kind, state, priority, centre_id, camera_id, event_id, message, captured_at, last_seen_at)
         VALUES ($1, 'alarm', 'new', 100, $2, 'cam-1', $1, 'SOS', now(), now())`,
        [id, centre],
      );
    }
    const get = (url: string) => app.inject({ method: 'GET', url, headers: operator.headers });
    expect((await get(`/v1/alerts/${own}`)).statusCode).toBe(200);
    expect((await get(`/v1/alerts/${other}`)).statusCode).toBe(404);
    const listed = (await get('/v1/alerts')).json<{ id: string }[] | { items: { id: string }[] }>();
    const ids = (Array.isArray(listed) ? listed : listed.items).map((a) => a.id);
    expect(ids).toContain(own);
    expect(ids).not.toContain(other);
    const decide = await app.inject({
      method: 'POST',
      url: `/v1/alerts/${other}/decisions`,
      headers: operator.headers,
      payload: { action: 'acknowledge' },
    });
    expect(decide.statusCode).toBe(404);
  });
});
