import { applyDecorators } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { cameraEventToJson } from '@kuzet/contracts';
import { openApiSchemaOf } from '@kuzet/http';
import { z } from 'zod';
import {
  sampleAlarmEvent,
  sampleFaceObservationEvent,
  sampleViolationEvent,
} from '@kuzet/contracts/testing';
import { BATCH_MESSAGE_TYPE, MEDIA_TYPES } from './event-body.decoder';
import { plateReadSchema } from './plate-read.openapi';
import { acceptedEventBodySchema, batchResponseBodySchema, errorBodySchema } from './ingest-result';

// The OpenAPI description of the ingest endpoints. Examples are built from the contracts'
// sample events, so they are valid by construction (their timestamps are those of start-up).

const id = (description: string): SchemaObject => ({
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$',
  description,
});
const uri: SchemaObject = { type: 'string', maxLength: 2048, description: 'absolute URI' };

const cameraEventSchema: SchemaObject = {
  type: 'object',
  description:
    'kuzet.v1.CameraEvent in the proto3 JSON mapping (camelCase or proto field names). Exactly one of faceFrame, faceObservation, violation, alarm, plateRead. Rules: docs/contracts.md.',
  required: ['eventId', 'cameraId', 'capturedAt'],
  properties: {
    eventId: { type: 'string', format: 'uuid', description: 'lowercase UUID; a retry repeats it' },
    cameraId: id('registered camera id'),
    capturedAt: {
      type: 'string',
      format: 'date-time',
      description: 'RFC 3339, at most 5 min ahead and 30 days old',
    },
    sourceId: id('ignored over HTTP: replaced by the integrator of the API key'),
    faceFrame: {
      type: 'object',
      required: ['jpeg'],
      properties: {
        jpeg: { type: 'string', format: 'byte', description: 'base64 JPEG, at most 4 MiB' },
        width: { type: 'integer', minimum: 1, maximum: 16384 },
        height: { type: 'integer', minimum: 1, maximum: 16384 },
      },
    },
    faceObservation: {
      type: 'object',
      required: ['embedding', 'modelId', 'quality', 'box'],
      properties: {
        embedding: {
          type: 'array',
          items: { type: 'number' },
          minItems: 512,
          maxItems: 512,
          description: 'finite values, not all zero',
        },
        modelId: id('embedding model, e.g. fr_feature@1'),
        quality: { type: 'number', minimum: 0, maximum: 1 },
        box: {
          type: 'object',
          properties: {
            x: { type: 'number', minimum: 0 },
            y: { type: 'number', minimum: 0 },
            width: { type: 'number', minimum: 0, exclusiveMinimum: true },
            height: { type: 'number', minimum: 0, exclusiveMinimum: true },
          },
        },
        frameRef: uri,
        cropJpeg: { type: 'string', format: 'byte', description: 'base64 JPEG, at most 512 KiB' },
      },
    },
    violation: {
      type: 'object',
      required: ['code', 'evidenceRef'],
      properties: {
        code: {
          type: 'string',
          enum: [
            'VIOLATION_CODE_SPEEDING',
            'VIOLATION_CODE_RED_LIGHT',
            'VIOLATION_CODE_ILLEGAL_DUMPING',
            'VIOLATION_CODE_NO_SEAT_BELT',
            'VIOLATION_CODE_WRONG_WAY_DRIVING',
          ],
        },
        plate: { type: 'string', maxLength: 16, description: 'required except for dumping' },
        measuredSpeedKmh: { type: 'number', minimum: 0, maximum: 500 },
        limitSpeedKmh: { type: 'number', minimum: 0, maximum: 500 },
        evidenceRef: uri,
        lane: { type: 'integer', minimum: 1, maximum: 64 },
      },
    },
    alarm: {
      type: 'object',
      required: ['kind'],
      properties: {
        kind: { type: 'string', enum: ['ALARM_KIND_SOS_BUTTON', 'ALARM_KIND_TAMPER'] },
        message: { type: 'string', maxLength: 1024 },
        priority: {
          type: 'string',
          enum: [
            'ALARM_PRIORITY_LOW',
            'ALARM_PRIORITY_NORMAL',
            'ALARM_PRIORITY_HIGH',
            'ALARM_PRIORITY_CRITICAL',
          ],
          description: 'unset: CRITICAL for SOS, HIGH for tamper',
        },
      },
    },
    plateRead: plateReadSchema,
  },
};

// the answers, from the zod schemas their types derive from (ingest-result.ts)
export const answer = (schema: z.ZodType): SchemaObject =>
  openApiSchemaOf(schema, 'output', {}) as SchemaObject;
const errorSchema = answer(errorBodySchema);
const batchResultSchema = answer(batchResponseBodySchema);
export const acceptedSchema = answer(acceptedEventBodySchema);

export const errorResponses = [
  ApiResponse({ status: 400, description: 'a field breaks a contract rule', schema: errorSchema }),
  ApiResponse({ status: 401, description: 'missing, unknown or revoked X-Api-Key' }),
  ApiResponse({ status: 403, description: 'camera outside the key scope', schema: errorSchema }),
  ApiResponse({
    status: 409,
    description: 'event_id reused for other content',
    schema: errorSchema,
  }),
  ApiResponse({ status: 413, description: 'body or image too large', schema: errorSchema }),
  ApiResponse({ status: 415, description: 'unsupported Content-Type', schema: errorSchema }),
  ApiResponse({
    status: 422,
    description: 'camera not registered or retired',
    schema: errorSchema,
  }),
  ApiResponse({ status: 429, description: 'rate limit of the key exceeded; see Retry-After' }),
  ApiResponse({ status: 503, description: 'Kafka unavailable; retry with the same event_id' }),
];

export const ApiIngest = (): ClassDecorator =>
  applyDecorators(ApiTags('ingest'), ApiSecurity('api-key'));

export const ApiPushEvents = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'Push one camera event or a batch',
      description: `JSON: one CameraEvent, or {"events": [...]} with up to 500. Protobuf: one kuzet.v1.CameraEvent (${MEDIA_TYPES.protobuf}) or a batch (${MEDIA_TYPES.protobuf}; messageType=${BATCH_MESSAGE_TYPE}). Each accepted event is on kuzet.camera-events.v1 (key: camera_id) before the answer. A retried event_id gets the same answer and is not published twice.`,
    }),
    ApiConsumes(MEDIA_TYPES.json, MEDIA_TYPES.protobuf),
    ApiBody({
      schema: {
        oneOf: [
          cameraEventSchema,
          {
            type: 'object',
            required: ['events'],
            properties: { events: { type: 'array', items: cameraEventSchema, maxItems: 500 } },
          },
        ],
      },
      examples: {
        violation: {
          summary: 'a speeding violation',
          value: cameraEventToJson(sampleViolationEvent()),
        },
        alarm: { summary: 'an SOS button alarm', value: cameraEventToJson(sampleAlarmEvent()) },
        batch: {
          summary: 'a batch of two',
          value: {
            events: [
              cameraEventToJson(sampleFaceObservationEvent()),
              cameraEventToJson(sampleViolationEvent()),
            ],
          },
        },
      },
    }),
    ApiResponse({
      status: 202,
      description: 'one event or a whole batch accepted',
      schema: { oneOf: [acceptedSchema, batchResultSchema] },
    }),
    ApiResponse({
      status: 207,
      description: 'batch partly accepted: see results',
      schema: batchResultSchema,
    }),
    ...errorResponses,
  );

export const ApiPushFrame = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'Push a JPEG frame of a camera for face matching',
      description:
        'The body is the JPEG file (at most 4 MiB). It becomes a CameraEvent with a FaceFrame payload.',
    }),
    ApiParam({ name: 'cameraId', description: 'registered camera id', example: 'aktau-cam-0001' }),
    ApiHeader({
      name: 'X-Event-Id',
      required: true,
      description: 'lowercase UUID of this frame; a retry repeats it',
      example: '0b8f6f4e-3c1a-4d2b-9e7f-1a2b3c4d5e6f',
    }),
    ApiHeader({
      name: 'X-Captured-At',
      required: false,
      description: 'RFC 3339 capture time; the time of arrival when absent',
      example: '2026-01-31T12:00:00.250Z',
    }),
    ApiConsumes(MEDIA_TYPES.jpeg),
    ApiBody({ schema: { type: 'string', format: 'binary' } }),
    ApiResponse({ status: 202, description: 'frame accepted', schema: acceptedSchema }),
    ...errorResponses,
  );
