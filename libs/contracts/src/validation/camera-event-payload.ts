import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { CameraEventSchema, type CameraEvent } from '../gen/kuzet/v1/camera_event_pb';

export type CameraEventPayloadCase = NonNullable<CameraEvent['payload']['case']>;

const payload = CameraEventSchema.oneofs.find((oneof) => oneof.name === 'payload')!;
const caseOfField = new Map<number, CameraEventPayloadCase>(
  payload.fields.map((field) => [field.number, field.localName as CameraEventPayloadCase]),
);

/**
 * Which payload a binary CameraEvent carries, read from its field tags alone: the payload's
 * bytes (a JPEG frame, an embedding) are skipped, not decoded, so a consumer that wants one kind
 * drops the others for the price of a few varints. As in decoding, the last payload field wins.
 * Says nothing about validity: undefined for bytes that are not a CameraEvent or carry no
 * payload, and what it names still has to pass decodeCameraEvent. Never throws.
 */
export function peekCameraEventPayload(bytes: Uint8Array): CameraEventPayloadCase | undefined {
  const reader = new BinaryReader(bytes);
  let found: CameraEventPayloadCase | undefined;
  try {
    while (reader.pos < reader.len) {
      const [fieldNumber, wireType] = reader.tag();
      const payloadCase = caseOfField.get(fieldNumber);
      // a payload is a message: written any other way, the bytes are not a well-formed event
      if (payloadCase !== undefined && wireType !== WireType.LengthDelimited) return undefined;
      reader.skip(wireType, fieldNumber);
      if (payloadCase !== undefined) found = payloadCase;
    }
  } catch {
    return undefined;
  }
  return found;
}
