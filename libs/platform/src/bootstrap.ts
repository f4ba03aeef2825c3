import { DynamicModule, INestApplication, Logger as NestLogger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { KuzetConfig } from '@kuzet/config';

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
    new FastifyAdapter({ bodyLimit: 8 * 1024 * 1024 }),
    { bufferLogs: true, forceCloseConnections: true },
  );
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
  // the ops-center console's live feed; ws rides on the same HTTP server and port
  app.useWebSocketAdapter(new WsAdapter(app));
  await options.beforeListen?.(app);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  const url = await app.getUrl();
  return { app, url: url.replace('[::1]', 'localhost') };
}
