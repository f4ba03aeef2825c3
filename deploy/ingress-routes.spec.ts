import { DynamicModule, ForwardReference, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { AuditModule } from '../apps/audit/src/audit.module';
import { IngestModule } from '../apps/ingest/src/ingest.module';
import { MatcherModule } from '../apps/matcher/src/matcher.module';
import { OpsCenterModule } from '../apps/ops-center/src/ops-center.module';
import { ViolationsModule } from '../apps/violations/src/violations.module';
import { APPS, AppName } from './apps';

/** Each server app's own module, as its main.ts mounts it beside the platform. */
const MODULES: Readonly<Partial<Record<AppName, Type<unknown>>>> = {
  ingest: IngestModule,
  matcher: MatcherModule,
  'ops-center': OpsCenterModule,
  violations: ViolationsModule,
  audit: AuditModule,
};

type Imported = Type<unknown> | DynamicModule | ForwardReference | Promise<DynamicModule>;

/** Every controller a module brings, through its imports, read from Nest's metadata. */
function controllersOf(root: Type<unknown>): Set<Type<unknown>> {
  const controllers = new Set<Type<unknown>>();
  const seen = new Set<unknown>();
  const visit = (entry: Imported | undefined): void => {
    if (!entry || entry instanceof Promise || seen.has(entry)) return;
    seen.add(entry);
    if ('forwardRef' in entry) return visit(entry.forwardRef() as Imported);
    const type = 'module' in entry ? entry.module : entry;
    const dynamic = 'module' in entry ? entry : undefined;
    const meta = (key: string) => [
      ...((Reflect.getMetadata(key, type) as unknown[] | undefined) ?? []),
      ...(((dynamic as Record<string, unknown> | undefined)?.[key] as unknown[] | undefined) ?? []),
    ];
    for (const c of meta(MODULE_METADATA.CONTROLLERS)) controllers.add(c as Type<unknown>);
    for (const i of meta(MODULE_METADATA.IMPORTS)) visit(i as Imported);
  };
  visit(root);
  return controllers;
}

const join = (...parts: string[]) =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`;

/** `GET /v1/alerts/:id` for every handler of the app's controllers. */
function routesOf(root: Type<unknown>): Set<string> {
  const routes = new Set<string>();
  for (const controller of controllersOf(root)) {
    const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const paths = [Reflect.getMetadata(PATH_METADATA, handler) as string | string[]].flat();
      for (const prefix of prefixes)
        for (const path of paths)
          routes.add(`${RequestMethod[method]} ${join(prefix ?? '', path ?? '')}`);
    }
  }
  return routes;
}

/** The app an ingress with `Prefix` paths sends a request path to: the longest exposed prefix,
 * matched by whole path elements. */
function ingressBackend(path: string): AppName | undefined {
  let best: { app: AppName; length: number } | undefined;
  for (const app of APPS) {
    if (app.kind !== 'server') continue;
    for (const prefix of app.exposedPaths) {
      const matches = prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
      if (matches && (!best || prefix.length > best.length))
        best = { app: app.name, length: prefix.length };
    }
  }
  return best?.app;
}

describe('the ingress of deploy/apps.ts', () => {
  const served = new Map(
    Object.entries(MODULES).map(([app, module]) => [app as AppName, routesOf(module)]),
  );

  it('knows the routes of every server app (a guard on the metadata walk)', () => {
    expect(served.get('ingest')).toContain('POST /v1/events');
    expect(served.get('matcher')).toContain('POST /v1/watchlists');
    expect(served.get('ops-center')).toContain('GET /v1/alerts');
    expect(served.get('audit')).toContain('GET /v1/audit/log');
    for (const app of APPS.filter((a) => a.kind === 'server'))
      expect({ app: app.name, routes: served.get(app.name)?.size ?? 0 }).toEqual({
        app: app.name,
        routes: expect.any(Number) as number,
      });
  });

  it('sends every route of every app to an app that serves it', () => {
    const misrouted = [...served.entries()].flatMap(([app, routes]) =>
      [...routes].flatMap((route) => {
        const path = route.split(' ')[1]!;
        const backend = ingressBackend(path);
        return backend && served.get(backend)?.has(route)
          ? []
          : [{ route, servedBy: app, ingressSendsTo: backend ?? null }];
      }),
    );
    expect(misrouted).toEqual([]);
  });
});
