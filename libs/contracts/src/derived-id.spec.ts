import fc from 'fast-check';
import { create } from '@bufbuild/protobuf';
import { AnalyticsDetectionSchema, AnalyticsType } from './gen/kuzet/v1/camera_event_pb';
import { ANALYTICS_FOLD_WINDOW_MS, analyticsAlertId, deterministicUuid } from './derived-id';

const detection = (type: AnalyticsType, typeText?: string) =>
  create(AnalyticsDetectionSchema, {
    type,
    confidence: 0.9,
    ...(typeText !== undefined ? { typeText } : {}),
  });

describe('derived ids', () => {
  it('gives one UUID per key, in the version-5 layout', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(deterministicUuid(a)).toBe(deterministicUuid(a));
        expect(deterministicUuid(a)).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        if (a !== b) expect(deterministicUuid(a)).not.toBe(deterministicUuid(b));
      }),
    );
  });

  it('folds detections of one type at one camera within a window into one alert, and only those', () => {
    const start = Date.UTC(2026, 11, 5, 10, 0, 0);
    const crowd = detection(AnalyticsType.CROWD);
    const id = analyticsAlertId('aktau-cam-0002', crowd, new Date(start));
    expect(
      analyticsAlertId('aktau-cam-0002', crowd, new Date(start + ANALYTICS_FOLD_WINDOW_MS - 1)),
    ).toBe(id);
    expect(
      analyticsAlertId('aktau-cam-0002', crowd, new Date(start + ANALYTICS_FOLD_WINDOW_MS)),
    ).not.toBe(id);
    expect(analyticsAlertId('aktau-cam-0003', crowd, new Date(start))).not.toBe(id);
    expect(
      analyticsAlertId('aktau-cam-0002', detection(AnalyticsType.LOITERING), new Date(start)),
    ).not.toBe(id);
    // types kuzet does not know are told apart by the device's name for them
    const person = analyticsAlertId(
      'aktau-cam-0002',
      detection(AnalyticsType.UNSPECIFIED, 'Person'),
      new Date(start),
    );
    expect(
      analyticsAlertId(
        'aktau-cam-0002',
        detection(AnalyticsType.UNSPECIFIED, 'Bag'),
        new Date(start),
      ),
    ).not.toBe(person);
  });
});
