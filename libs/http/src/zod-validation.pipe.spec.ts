import { HttpStatus } from '@nestjs/common';
import { FieldErrorsException } from './zod-validation.pipe';

describe('FieldErrorsException', () => {
  it.each([
    [HttpStatus.FORBIDDEN, 'Forbidden'],
    [HttpStatus.UNPROCESSABLE_ENTITY, 'Unprocessable Entity'],
    [HttpStatus.CONFLICT, 'Conflict'],
    [HttpStatus.UNAUTHORIZED, 'Unauthorized'],
  ])('answers status %i with its reason phrase as `error`', (status, reason) => {
    const refused = { field: 'device_id', rule: 'scope', message: 'outside the scope' };
    expect(new FieldErrorsException(status, [refused], 'outside').getResponse()).toEqual({
      statusCode: status,
      error: reason,
      message: 'outside',
      errors: [refused],
    });
  });
});
