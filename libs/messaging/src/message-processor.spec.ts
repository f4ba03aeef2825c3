import { DEAD_LETTER_HEADERS, REPLAY_GROUPS_HEADER } from './dead-letter';
import { RejectedMessageError } from './errors';
import { InboundMessage, OutboundMessage } from './message-bus';
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

  it('handles a replayed message only in the groups it is replayed for', async () => {
    const replayed = { ...message(7), headers: { [REPLAY_GROUPS_HEADER]: 'p.kuzet-matcher,p.x' } };
    const seen: string[] = [];
    const signals = { crash: new AbortController().signal };
    for (const groupId of ['p.kuzet-matcher', 'p.kuzet-violations']) {
      const processor = new MessageProcessor(
        {
          topic: 'kuzet.test.v1',
          groupId,
          handler: () => {
            seen.push(groupId);
            return Promise.resolve();
          },
        },
        () => Promise.resolve(),
      );
      expect(await processor.process(replayed, signals)).toBe('handled');
    }
    expect(seen).toEqual(['p.kuzet-matcher']);
  });

  it('writes the dead letter with every group that refuses the message', async () => {
    const letters: OutboundMessage[] = [];
    const processor = new MessageProcessor(
      {
        topic: 'kuzet.test.v1',
        groupId: 'a',
        handler: () => Promise.reject(new RejectedMessageError('invalid', [], ['a', 'b'])),
      },
      (_topic, messages) => {
        letters.push(...messages);
        return Promise.resolve();
      },
    );
    const outcome = await processor.process(message(3), { crash: new AbortController().signal });
    expect(outcome).toBe('dead-lettered');
    expect(letters[0]!.headers![DEAD_LETTER_HEADERS.refusedBy]).toBe('a,b');
    expect(letters[0]!.headers![DEAD_LETTER_HEADERS.sourceTimestamp]).toBe('0');
  });
});
