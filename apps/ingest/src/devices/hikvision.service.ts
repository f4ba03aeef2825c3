import { Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { CameraEventSchema, FieldError, timestampFromDate } from '@kuzet/contracts';
import { IntegratorPrincipal, mayPushFor } from '@kuzet/auth';
import { z } from 'zod';
import { CameraRegistryService } from '@kuzet/registry';
import { IngestService } from '../events/ingest.service';
import { errorResponse, IngestResponse } from '../events/ingest-result';
import { mapHikvisionAlert, MAX_ALERT_XML_BYTES } from './hikvision.mapper';
import { parseMultipart } from './multipart';

export const seenBodySchema = z.object({
  status: z.literal('seen'),
  camera_id: z.string(),
  seen_at: z.iso.datetime(),
});
export type SeenBody = z.infer<typeof seenBodySchema>;

export type DeviceResponse = IngestResponse | { readonly status: 200; readonly body: SeenBody };

/** Most bytes of one picture part; the contract's own limits apply after mapping. */
const MAX_PICTURE_BYTES = 4 * 1024 * 1024;

/** Hikvision "HTTP listening" (alarm server) alerts: the device's EventNotificationAlert, as
 * XML alone or as multipart/form-data with its pictures, mapped to a CameraEvent of the camera
 * registered for the device's channel and handed to the ingest's own validation, scope check,
 * claim and publication. Heartbeats only mark the camera as seen. */
@Injectable()
export class HikvisionService {
  constructor(
    private readonly registry: CameraRegistryService,
    private readonly ingest: IngestService,
  ) {}

  async accept(
    body: Buffer,
    mediaType: string,
    contentType: string | undefined,
    integrator: IntegratorPrincipal,
  ): Promise<DeviceResponse> {
    const read = readAlert(body, mediaType, contentType);
    if ('error' in read) return errorResponse(read.status, [read.error]);
    const mapped = mapHikvisionAlert(read.xml, read.pictures);
    if (!mapped.ok) return errorResponse(mapped.status, mapped.errors);
    const cameraId = await this.registry.cameraOfDevice(
      mapped.device.deviceIds,
      mapped.device.channel,
    );
    if (cameraId === null) {
      return errorResponse(422, [
        {
          field: 'channelID',
          rule: 'unregistered',
          message: `no camera is registered for device ${mapped.device.deviceIds.join(' / ')} channel ${mapped.device.channel}`,
        },
      ]);
    }
    const location = (await this.registry.locate([cameraId])).get(cameraId);
    if (mapped.payload === null) {
      // a heartbeat: the device is alive; only within the credential's scope
      if (!location || location.status !== 'active') {
        return errorResponse(422, [
          { field: 'channelID', rule: 'retired', message: `camera ${cameraId} is not active` },
        ]);
      }
      if (!mayPushFor(integrator, location)) {
        return errorResponse(403, [
          {
            field: 'camera_id',
            rule: 'scope',
            message: `the credential may not push events for camera ${cameraId}`,
          },
        ]);
      }
      const seenAt = new Date();
      await this.registry.markSeen(cameraId, seenAt);
      return {
        status: 200,
        body: { status: 'seen', camera_id: cameraId, seen_at: seenAt.toISOString() },
      };
    }
    const event = create(CameraEventSchema, {
      eventId: mapped.eventId,
      cameraId,
      capturedAt: timestampFromDate(mapped.capturedAt),
      payload: mapped.payload,
    });
    const response = await this.ingest.acceptDeviceEvent(event, integrator);
    if (response.status < 300) await this.registry.markSeen(cameraId, new Date());
    return inAlertTerms(response);
  }
}

/** The contract's refusals in the alert's own terms: the device sent `dateTime`, and knows
 * nothing of `captured_at` (a date older than 30 days, or ahead of now). */
export function inAlertTerms(response: IngestResponse): IngestResponse {
  if (response.status < 400 || !('errors' in response.body)) return response;
  const errors = response.body.errors.map((e) =>
    e.field === 'captured_at' ? { ...e, field: 'dateTime' } : e,
  );
  return errorResponse(response.status, errors);
}

type Read =
  | { xml: string; pictures: Map<string, Uint8Array> }
  | { error: FieldError; status: 400 | 413 | 422 };

function readAlert(body: Buffer, mediaType: string, contentType: string | undefined): Read {
  if (mediaType !== 'multipart/form-data') {
    return { xml: body.toString('utf8'), pictures: new Map() };
  }
  const parsed = parseMultipart(body, contentType);
  if (!parsed.ok) {
    return { status: 400, error: { field: '$', rule: 'multipart', message: parsed.reason } };
  }
  let xml: string | undefined;
  const pictures = new Map<string, Uint8Array>();
  for (const part of parsed.parts) {
    const isXml =
      part.contentType?.includes('xml') === true ||
      (part.contentType === undefined &&
        part.body.subarray(0, 64).toString('utf8').trimStart().startsWith('<'));
    if (isXml && xml === undefined) {
      if (part.body.length > MAX_ALERT_XML_BYTES) {
        return {
          status: 413,
          error: {
            field: part.name,
            rule: 'max_bytes',
            message: `the alert XML must be at most ${MAX_ALERT_XML_BYTES} bytes`,
          },
        };
      }
      xml = part.body.toString('utf8');
    } else if (part.body.length > MAX_PICTURE_BYTES) {
      return {
        status: 413,
        error: {
          field: part.filename ?? part.name,
          rule: 'max_bytes',
          message: `a picture must be at most ${MAX_PICTURE_BYTES} bytes`,
        },
      };
    } else {
      pictures.set(part.filename ?? part.name, part.body);
      if (part.filename !== undefined && part.name !== '') pictures.set(part.name, part.body);
    }
  }
  if (xml === undefined) {
    return {
      status: 422,
      error: {
        field: 'EventNotificationAlert',
        rule: 'required',
        message: 'no part carries the alert XML',
      },
    };
  }
  return { xml, pictures };
}
