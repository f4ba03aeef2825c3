import { errorResponse } from '../events/ingest-result';
import { inAlertTerms } from './hikvision.service';

describe('inAlertTerms', () => {
  it('names the alert’s dateTime where the contract refused captured_at', () => {
    const refused = errorResponse(400, [
      { field: 'captured_at', rule: 'max_age', message: 'is more than 30 days before now' },
    ]);
    expect(inAlertTerms(refused)).toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        message: 'dateTime: is more than 30 days before now',
        errors: [
          { field: 'dateTime', rule: 'max_age', message: 'is more than 30 days before now' },
        ],
      },
    });
  });

  it('leaves acceptances and other fields alone', () => {
    const accepted = {
      status: 202,
      body: { event_id: 'e', status: 'accepted' as const, accepted_at: '2026-12-05T00:00:00Z' },
    };
    expect(inAlertTerms(accepted)).toBe(accepted);
    const scope = errorResponse(403, [{ field: 'camera_id', rule: 'scope', message: 'no' }]);
    expect(inAlertTerms(scope)).toEqual(scope);
  });
});
