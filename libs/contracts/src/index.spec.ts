import * as contracts from '@kuzet/contracts';
import { sampleAlarmEvent } from '@kuzet/contracts/testing';

describe('@kuzet/contracts', () => {
  it('exports the generated schemas and enums with the validation API', () => {
    for (const name of [
      'CameraEventSchema',
      'WatchlistChangeSchema',
      'WatchlistHitSchema',
    ] as const) {
      expect(contracts[name].kind).toBe('message');
    }
    expect(contracts.ViolationCode.SPEEDING).toBe(1);
    for (const message of ['CameraEvent', 'WatchlistChange', 'WatchlistHit'] as const) {
      for (const fn of [`validate${message}`, `decode${message}`, `encode${message}`]) {
        expect(typeof (contracts as Record<string, unknown>)[fn]).toBe('function');
      }
    }
  });

  it('builds, encodes and decodes through the public API', () => {
    const now = new Date();
    const event = contracts.create(contracts.CameraEventSchema, {
      ...sampleAlarmEvent(now),
      capturedAt: contracts.timestampFromDate(now),
    });
    const decoded = contracts.decodeCameraEvent(contracts.encodeCameraEvent(event), now);
    expect(decoded.ok).toBe(true);
  });
});
