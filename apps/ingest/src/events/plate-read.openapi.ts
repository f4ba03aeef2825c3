import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** kuzet.v1.PlateRead in the proto3 JSON mapping; the rules are in proto/kuzet/v1/plate_read.proto. */
export const plateReadSchema: SchemaObject = {
  type: 'object',
  required: ['plate', 'confidence'],
  properties: {
    plate: {
      type: 'string',
      minLength: 1,
      maxLength: 16,
      description:
        'as read: letters of one script (Cyrillic look-alikes may stand in for Latin), digits, space, -',
    },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    characterConfidences: {
      type: 'array',
      items: { type: 'number', minimum: 0, maximum: 1 },
      maxItems: 16,
      description: 'one per character of plate, or none',
    },
    country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' },
    direction: {
      type: 'string',
      enum: ['VEHICLE_DIRECTION_APPROACHING', 'VEHICLE_DIRECTION_RECEDING'],
    },
    lane: { type: 'integer', minimum: 1, maximum: 64 },
    speedKmh: { type: 'number', minimum: 0, maximum: 500 },
    vehicleType: {
      type: 'string',
      enum: [
        'VEHICLE_TYPE_CAR',
        'VEHICLE_TYPE_VAN',
        'VEHICLE_TYPE_TRUCK',
        'VEHICLE_TYPE_BUS',
        'VEHICLE_TYPE_MOTORCYCLE',
        'VEHICLE_TYPE_OTHER',
      ],
    },
    vehicleColour: { type: 'string', maxLength: 32 },
    vehicleMake: { type: 'string', maxLength: 64 },
    plateCropJpeg: { type: 'string', format: 'byte', description: 'base64 JPEG, at most 512 KiB' },
    overviewJpeg: { type: 'string', format: 'byte', description: 'base64 JPEG, at most 4 MiB' },
    plateCropRef: { type: 'string', maxLength: 2048 },
    overviewRef: { type: 'string', maxLength: 2048 },
  },
};
