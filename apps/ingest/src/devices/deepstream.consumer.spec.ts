import { errorResponse } from '../events/ingest-result';
import { errorsOf } from './deepstream.consumer';

describe('errorsOf (a refused DeepStream event, for the dead letter)', () => {
  it('names the message’s @timestamp where the contract refused captured_at', () => {
    const refused = errorResponse(400, [
      { field: 'captured_at', rule: 'max_age', message: 'is more than 30 days before now' },
    ]);
    expect(errorsOf(refused.body)).toEqual([
      { field: '@timestamp', rule: 'max_age', message: 'is more than 30 days before now' },
    ]);
  });

  it('keeps every other field as the ingest named it', () => {
    const refused = errorResponse(403, [{ field: 'camera_id', rule: 'scope', message: 'no' }]);
    expect(errorsOf(refused.body)).toEqual([{ field: 'camera_id', rule: 'scope', message: 'no' }]);
  });
});
