import { HttpStatus } from '@nestjs/common';
import { FieldErrorsException, RequestValidationException } from './zod-validation.pipe';

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

  it('says in the message of a 400 every field at fault and its rule’s message', () => {
    const refused = new RequestValidationException([
      { field: 'officer_id', rule: 'invalid_format', message: 'at most 128 characters' },
      { field: 'photo', rule: 'invalid_format', message: 'not base64' },
    ]);
    expect(refused.getResponse()).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      message: 'officer_id: at most 128 characters; photo: not base64',
    });
  });
});
