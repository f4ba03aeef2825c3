import { Model } from '@kubernetes-models/base';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { IContainer } from 'kubernetes-models/v1/Container';
import { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { IProbe } from 'kubernetes-models/v1/Probe';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import {
  APPS,
  AppSpec,
  environmentOf,
  HTTP_PORT,
  IMAGE,
  imageRef,
  MIGRATIONS,
  PROBES,
  ProcessSpec,
  REGION_FILE_PATH,
  Resources,
  SECRET_ENV,
  SHARED_ENV,
} from './apps';

export const NAMESPACE = 'kuzet';
/** Settings every process shares (SHARED_ENV plus the deployment's own). */
export const CONFIG_MAP = 'kuzet-config';
/** The region file (centres, districts, cameras), made with kubectl from the site's file. */
export const REGION_CONFIG_MAP = 'kuzet-region';
/** DATABASE_URL, JWT_SECRET, AUDIT_CHAIN_KEYS, METRICS_TOKEN: made with kubectl, never generated. */
export const SECRET = 'kuzet-secrets';
/** The placeholders a site replaces (docs/deploy.md). */
export const SITE = Object.freeze({
  kafkaBootstrap: 'kafka-bootstrap.kafka.svc:9092',
  kafkaReplicationFactor: '3',
  host: 'kuzet.example.kz',
  tlsSecret: 'kuzet-tls',
  ingressClass: 'nginx',
});

const resourceName = (name: string): string => `kuzet-${name}`;
const labels = (name: string): Record<string, string> => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/part-of': 'kuzet',
});
const metadata = (name: string) => ({
  name: resourceName(name),
  namespace: NAMESPACE,
  labels: labels(name),
});

const quantity = (r: Resources) => ({ cpu: `${r.cpuMillis}m`, memory: `${r.memoryMiB}Mi` });

/** Only what differs per process: the rest comes from the ConfigMap, secrets from the Secret. */
function environment(spec: ProcessSpec): IEnvVar[] {
  const own = Object.entries(environmentOf(spec))
    .filter(([key]) => !(key in SHARED_ENV))
    .map(([name, value]) => ({ name, value }));
  const secrets = SECRET_ENV.map((name) => ({
    name,
    valueFrom: { secretKeyRef: { name: SECRET, key: name } },
  }));
  return [...own, ...secrets];
}

const httpGet = (path: string) => ({ httpGet: { path, port: 'http' } });

/** Probes on /health: a start-up allowance (the matcher rebuilds its index before it listens),
 * then liveness restarts a hung process and readiness takes a draining or cut-off one out of
 * its Service. */
function probes(): Pick<IContainer, 'startupProbe' | 'livenessProbe' | 'readinessProbe'> {
  const startupProbe: IProbe = { ...httpGet(PROBES.live), periodSeconds: 5, failureThreshold: 120 };
  return {
    startupProbe,
    livenessProbe: { ...httpGet(PROBES.live), periodSeconds: 10, failureThreshold: 3 },
    readinessProbe: { ...httpGet(PROBES.ready), periodSeconds: 5, failureThreshold: 2 },
  };
}

function container(spec: ProcessSpec, server: boolean): IContainer {
  const region = 'loadsRegionFile' in spec && spec.loadsRegionFile;
  return {
    name: spec.name,
    image: imageRef(),
    // the image's entry point is `node deploy/start.js`; the arguments choose the process
    args: [...spec.args],
    envFrom: [{ configMapRef: { name: CONFIG_MAP } }],
    env: environment(spec),
    ...(server ? { ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }] } : {}),
    ...(server ? probes() : {}),
    resources: { requests: quantity(spec.requests), limits: quantity(spec.limits) },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      ...(region
        ? [{ name: 'region', mountPath: REGION_FILE_PATH, subPath: 'region.yaml', readOnly: true }]
        : []),
    ],
  };
}

function podSpec(spec: ProcessSpec, server: boolean): IPodSpec {
  const region = 'loadsRegionFile' in spec && spec.loadsRegionFile;
  return {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: IMAGE.uid,
      runAsGroup: IMAGE.uid,
      fsGroup: IMAGE.uid,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    automountServiceAccountToken: false,
    // SHUTDOWN_TIMEOUT_MS (15 s) and a margin: the app's own watchdog ends it first
    terminationGracePeriodSeconds: Math.ceil(Number(SHARED_ENV.SHUTDOWN_TIMEOUT_MS) / 1000) + 5,
    containers: [container(spec, server)],
    volumes: [
      { name: 'tmp', emptyDir: {} },
      ...(region ? [{ name: 'region', configMap: { name: REGION_CONFIG_MAP } }] : []),
    ],
  };
}

function deployment(app: AppSpec): Deployment {
  return new Deployment({
    metadata: metadata(app.name),
    spec: {
      replicas: app.replicas,
      selector: { matchLabels: labels(app.name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: labels(app.name) },
        spec: podSpec(app, true),
      },
    },
  });
}

function service(app: AppSpec): Service {
  return new Service({
    metadata: metadata(app.name),
    spec: {
      selector: labels(app.name),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  });
}

function disruptionBudget(app: AppSpec): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: metadata(app.name),
    spec: { minAvailable: app.minAvailable, selector: { matchLabels: labels(app.name) } },
  });
}

/** Matchers scale on the lag of their consumer group on the camera-events topic (KEDA's Kafka
 * scaler), never beyond the topic's partitions. */
function scaledObject(app: AppSpec): ScaledObject | undefined {
  const scaling = app.scaling;
  if (!scaling) return undefined;
  return new ScaledObject({
    metadata: metadata(app.name),
    spec: {
      scaleTargetRef: { name: resourceName(app.name) },
      minReplicaCount: scaling.minReplicas,
      maxReplicaCount: scaling.maxReplicas,
      pollingInterval: 15,
      // a new matcher rebuilds its index before it consumes: scale down only after the lag has
      // stayed low for 5 minutes (KEDA's cooldownPeriod concerns scaling to zero, never done here)
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        },
      },
      triggers: [
        {
          type: 'kafka',
          metadata: {
            bootstrapServers: SITE.kafkaBootstrap,
            consumerGroup: scaling.consumerGroup,
            topic: scaling.topic,
            lagThreshold: String(scaling.lagPerReplica),
            offsetResetPolicy: 'earliest',
            allowIdleConsumers: 'false',
          },
        },
      ],
    },
  });
}

function configMap(): ConfigMap {
  return new ConfigMap({
    metadata: { name: CONFIG_MAP, namespace: NAMESPACE, labels: labels('config') },
    data: {
      ...SHARED_ENV,
      KAFKA_BROKERS: SITE.kafkaBootstrap,
      KAFKA_REPLICATION_FACTOR: SITE.kafkaReplicationFactor,
    },
  });
}

function migrationsJob(): Job {
  return new Job({
    metadata: metadata(MIGRATIONS.name),
    spec: {
      backoffLimit: 3,
      template: {
        metadata: { labels: labels(MIGRATIONS.name) },
        spec: { ...podSpec(MIGRATIONS, false), restartPolicy: 'OnFailure' },
      },
    },
  });
}

/** ops-center's console (and every staff route no other app serves) and ingest's integrator
 * API on one host; each app's path prefixes go to its Service. */
function ingress(): Ingress {
  const paths = APPS.flatMap((app) =>
    app.exposedPaths.map((path) => ({
      path,
      pathType: 'Prefix' as const,
      backend: { service: { name: resourceName(app.name), port: { name: 'http' } } },
    })),
  );
  return new Ingress({
    metadata: {
      ...metadata('ingress'),
      annotations: {
        // ingest takes batches up to INGEST_MAX_BODY_BYTES (8 MiB); the live feed is a WebSocket
        'nginx.ingress.kubernetes.io/proxy-body-size': '8m',
        'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
      },
    },
    spec: {
      ingressClassName: SITE.ingressClass,
      tls: [{ hosts: [SITE.host], secretName: SITE.tlsSecret }],
      rules: [{ host: SITE.host, http: { paths } }],
    },
  });
}

export interface ManifestFile {
  /** The file under deploy/kubernetes/. */
  readonly file: string;
  readonly objects: readonly Model<unknown>[];
}

/** Every manifest, grouped in the files they are written to, in the order to apply them. */
export function kubernetesManifests(): ManifestFile[] {
  return [
    {
      file: '00-namespace.yaml',
      objects: [new Namespace({ metadata: { name: NAMESPACE, labels: labels('namespace') } })],
    },
    { file: '01-config.yaml', objects: [configMap()] },
    { file: '02-migrations-job.yaml', objects: [migrationsJob()] },
    ...APPS.map((app) => ({
      file: `10-${app.name}.yaml`,
      objects: [
        deployment(app),
        service(app),
        ...(app.minAvailable > 0 ? [disruptionBudget(app)] : []),
        ...[scaledObject(app)].filter((o): o is ScaledObject => o !== undefined),
      ],
    })),
    { file: '20-ingress.yaml', objects: [ingress()] },
  ];
}
