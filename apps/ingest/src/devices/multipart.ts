/** One part of a multipart/form-data body. */
export interface FormPart {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

/** Most parts a device alert may have (the XML and a few pictures). */
export const MAX_PARTS = 16;

/** Splits a multipart/form-data body already read (and size-capped) by the HTTP server. Returns
 * a reason instead of throwing when the body does not follow RFC 7578. */
export function parseMultipart(
  body: Buffer,
  contentType: string | undefined,
): { ok: true; parts: FormPart[] } | { ok: false; reason: string } {
  const boundaryMatch = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType ?? '');
  const boundary = boundaryMatch?.[1] ?? boundaryMatch?.[2];
  if (!boundary) return { ok: false, reason: 'the Content-Type names no boundary' };
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) return { ok: false, reason: 'the body has no part' };
  for (;;) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) break; // closing delimiter
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd === -1) return { ok: false, reason: 'a part has no header end' };
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headerEnd + 4);
    if (next === -1) return { ok: false, reason: 'the body has no closing boundary' };
    if (parts.length === MAX_PARTS) return { ok: false, reason: `more than ${MAX_PARTS} parts` };
    const headers = body.subarray(at, headerEnd).toString('latin1');
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const type = /content-type:\s*([^\r\n;]*)/i.exec(headers)?.[1]?.trim().toLowerCase();
    parts.push({ name, filename, contentType: type, body: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
  return { ok: true, parts };
}
