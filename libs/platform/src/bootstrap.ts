import { DynamicModule, INestApplication, Logger as NestLogger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { KuzetConfig } from '@kuzet/config';
import { hardenHttp } from './http/http-hardening';

export interface StartedApp {
  readonly app: INestApplication;
  readonly url: string;
}

export interface BootstrapOptions {
  /** Runs after the app has closed, before the process exits (e.g. stop embedded PostgreSQL). */
  readonly afterClose?: () => Promise<void>;
  /** Runs before the server listens, e.g. to serve an OpenAPI document. */
  readonly beforeListen?: (app: NestFastifyApplication) => void | Promise<void>;
}

/** The Fastify server every kuzet app runs on; the largest body any route takes is the
 * ingest's, and hardenHttp gives every other route HTTP_MAX_BODY_BYTES. */
export function createHttpAdapter(config: Readonly<KuzetConfig>): FastifyAdapter {
  return new FastifyAdapter({ bodyLimit: config.INGEST_MAX_BODY_BYTES });
}

/** JSON bodies are parsed by the parser hardenHttp installs, not Nest's. */
export const HTTP_APP_OPTIONS = { bodyParser: false } as const;

/** What every kuzet HTTP app gets before it is initialised: the request hardening, and the
 * WebSocket adapter for the ops-center console's live feed (same server and port). Tests
 * build their apps with this too. */
export async function prepareHttpApp(
  app: NestFastifyApplication,
  config: Readonly<KuzetConfig>,
): Promise<void> {
  await hardenHttp(app, config);
  app.useWebSocketAdapter(new WsAdapter(app));
}

/** Starts a kuzet app over HTTP (Fastify) with JSON logs, and closes it gracefully on
 * SIGTERM/SIGINT: readiness turns 503, consumers finish the message in flight, the
 * database pool closes, then the process exits; a watchdog bounds the whole sequence. */
export async function bootstrapApp(
  rootModule: Type<unknown> | DynamicModule,
  config: Readonly<KuzetConfig>,
  options: BootstrapOptions = {},
): Promise<StartedApp> {
  const app = await NestFactory.create<NestFastifyApplication>(
    rootModule,
    createHttpAdapter(config),
    { ...HTTP_APP_OPTIONS, bufferLogs: true, forceCloseConnections: true },
  );
  await prepareHttpApp(app, config);
  app.useLogger(app.get(Logger));
  const logger = new NestLogger('Bootstrap');
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.log({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out, exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    void app
      .close()
      .then(() => options.afterClose?.())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  await options.beforeListen?.(app);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  const url = await app.getUrl();
  return { app, url: url.replace('[::1]', 'localhost') };
}
