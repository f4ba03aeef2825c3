import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthIndicatorService, TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { KUZET_CONFIG } from '@kuzet/config';
import type { FastifyRequest } from 'fastify';
import { HealthController } from './health.controller';
import { MessagingHealthIndicator } from './messaging.health';

const TOKEN = 'a-metrics-token-of-at-least-32-characters';

function request(remoteAddress: string, authorization?: string): FastifyRequest {
  return { headers: { authorization }, raw: { socket: { remoteAddress } } } as FastifyRequest;
}

/** The real terminus HealthCheckService over indicators whose outcome each test sets: a broker
 * that fails with an error naming its address, as kafkajs does. */
async function controllerWith(brokerUp: boolean, metricsToken?: string): Promise<HealthController> {
  const module = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController],
    providers: [
      { provide: KUZET_CONFIG, useValue: { METRICS_TOKEN: metricsToken } },
      {
        provide: TypeOrmHealthIndicator,
        useFactory: (indicators: HealthIndicatorService) => ({
          pingCheck: (key: string) => indicators.check(key).up(),
        }),
        inject: [HealthIndicatorService],
      },
      {
        provide: MessagingHealthIndicator,
        useFactory: (indicators: HealthIndicatorService) => ({
          check: (key: string) =>
            brokerUp
              ? indicators.check(key).up({ transport: 'kafka' })
              : indicators
                  .check(key)
                  .down({ transport: 'kafka', message: 'Connection error: 10.20.0.5:9092' }),
          consumerGroupChecks: () => [],
        }),
        inject: [HealthIndicatorService],
      },
    ],
  }).compile();
  return module.get(HealthController);
}

async function refusal(work: Promise<unknown>): Promise<unknown> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceUnavailableException);
  return (error as ServiceUnavailableException).getResponse();
}

describe('/health/ready: the status for anyone, the details for those who may scrape', () => {
  it('a caller from the network gets the status alone, up or down', async () => {
    const remote = request('10.0.0.7');
    expect(await (await controllerWith(true)).ready(remote)).toEqual({ status: 'ok' });
    const body = await refusal((await controllerWith(false)).ready(remote));
    expect(body).toEqual({ status: 'error' });
    expect(JSON.stringify(body)).not.toContain('10.20.0.5');
  });

  it('a caller on this host, or with METRICS_TOKEN, gets which dependency failed and why', async () => {
    const up = await (await controllerWith(true)).ready(request('127.0.0.1'));
    expect(up).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
    const down = await refusal(
      (await controllerWith(false, TOKEN)).ready(request('10.0.0.7', `Bearer ${TOKEN}`)),
    );
    expect(JSON.stringify(down)).toContain('10.20.0.5:9092');
    const wrongToken = await refusal(
      (await controllerWith(false, TOKEN)).ready(request('127.0.0.1', 'Bearer guess')),
    );
    expect(wrongToken).toEqual({ status: 'error' });
  });
});
