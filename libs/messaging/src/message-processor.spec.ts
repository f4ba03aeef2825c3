import { InboundMessage } from './message-bus';
import { MessageProcessor } from './message-processor';

const message = (offset: number): InboundMessage => ({
  topic: 'kuzet.test.v1',
  partition: 0,
  offset: String(offset),
  key: null,
  value: Buffer.from([offset & 0xff]),
  headers: {},
  timestamp: 0,
});

describe('MessageProcessor', () => {
  afterEach(() => jest.restoreAllMocks());

  it('combines a consumer’s crash and stop signals once, not once per message', async () => {
    const any = jest.spyOn(AbortSignal, 'any');
    const handled: string[] = [];
    const processor = new MessageProcessor(
      {
        topic: 'kuzet.test.v1',
        groupId: 'g',
        handler: (m) => {
          handled.push(m.offset);
          return Promise.resolve();
        },
      },
      () => Promise.resolve(),
    );
    const signals = { crash: new AbortController().signal, stop: new AbortController().signal };
    for (let offset = 0; offset < 50; offset++) {
      expect(await processor.process(message(offset), signals)).toBe('handled');
    }
    expect(handled).toHaveLength(50);
    expect(any).toHaveBeenCalledTimes(1);

    // another consumer's signals get their own combination
    const other = { crash: new AbortController().signal, stop: new AbortController().signal };
    expect(await processor.process(message(50), other)).toBe('handled');
    expect(any).toHaveBeenCalledTimes(2);
  });

  it('stops retrying when the consumer stops during the back-off, leaving the message unhandled', async () => {
    let attempts = 0;
    const processor = new MessageProcessor(
      {
        topic: 'kuzet.test.v1',
        groupId: 'g',
        handler: () => {
          attempts++;
          return Promise.reject(new Error('database unavailable'));
        },
      },
      () => Promise.resolve(),
      { initialDelayMs: 10_000, maxDelayMs: 10_000 },
    );
    const stop = new AbortController();
    const signals = { crash: new AbortController().signal, stop: stop.signal };
    // the first message primes the cached combination, which must still follow `stop`
    const outcome = processor.process(message(0), signals);
    setTimeout(() => stop.abort(), 20);
    expect(await outcome).toBe('aborted');
    expect(attempts).toBe(1);
  });
});
