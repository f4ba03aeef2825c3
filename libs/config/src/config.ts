import { hostname } from 'node:os';
import { configSchema, KuzetConfig } from './config.schema';

export class ConfigError extends Error {
  constructor(readonly issues: { field: string; rule: string; message: string }[]) {
    super(
      `invalid configuration: ${issues.map((i) => `${i.field} (${i.rule}): ${i.message}`).join('; ')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; a bad value names the variable and the rule and stops start-up. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<KuzetConfig> = {},
): Readonly<KuzetConfig> {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const parsed = configSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        field: issue.path.join('.'),
        rule: issue.code,
        message: issue.message,
      })),
    );
  }
  return Object.freeze({ ...parsed.data, ...overrides });
}

/** This instance's name for its own consumer groups: KUZET_INSTANCE_ID, or the host name and
 * HTTP port, which no other live instance on the host can share and a restart keeps. */
export function instanceId(config: Readonly<KuzetConfig>): string {
  if (config.KUZET_INSTANCE_ID) return config.KUZET_INSTANCE_ID;
  return `${hostname().replace(/[^A-Za-z0-9._-]/g, '-')}-${config.HTTP_PORT}`;
}
