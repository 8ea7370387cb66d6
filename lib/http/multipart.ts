/**
 * The `file` part of a `multipart/form-data` body, found in place: its bytes are a view into
 * the body already read (with its cap), never a copy — `Response.formData()` plus
 * `File.arrayBuffer()` would hold the upload three times over.
 * @module
 */

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** The boundary of a multipart content type, or undefined. */
export function multipartBoundary(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = haystack.byteLength - needle.byteLength;
  for (
    let i = haystack.indexOf(first, from);
    i !== -1 && i <= last;
    i = haystack.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.byteLength && haystack[i + j] === needle[j]) j++;
    if (j === needle.byteLength) return i;
  }
  return -1;
}

/** One part: its headers (lower-cased names) and its body (a view). */
export interface MultipartPart {
  name?: string;
  filename?: string;
  contentType?: string;
  body: Uint8Array;
}

/** The parts of a multipart body, or null when it is malformed. */
export function parseMultipart(body: Uint8Array, boundary: string): MultipartPart[] | null {
  const delimiter = encoder.encode(`--${boundary}`);
  const separator = encoder.encode(`\r\n--${boundary}`);
  const headerEnd = encoder.encode("\r\n\r\n");
  let at = indexOf(body, delimiter, 0);
  if (at === -1) return null;
  at += delimiter.byteLength;
  const parts: MultipartPart[] = [];
  while (true) {
    // "--" after a delimiter ends the body.
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts;
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) return null;
    const headersStart = at + 2;
    const headersStop = indexOf(body, headerEnd, headersStart);
    if (headersStop === -1) return null;
    const headers = latin1.decode(body.subarray(headersStart, headersStop));
    const contentStart = headersStop + headerEnd.byteLength;
    const contentStop = indexOf(body, separator, contentStart);
    if (contentStop === -1) return null;
    const part: MultipartPart = { body: body.subarray(contentStart, contentStop) };
    for (const line of headers.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon === -1) continue;
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === "content-type") part.contentType = value;
      if (key === "content-disposition") {
        const name = /\bname="([^"]*)"/i.exec(value);
        const filename = /\bfilename="([^"]*)"/i.exec(value);
        if (name) part.name = name[1];
        // Browsers send UTF-8 names as raw bytes: decode them as such.
        if (filename) {
          part.filename = new TextDecoder().decode(
            Uint8Array.from(filename[1], (c) => c.charCodeAt(0)),
          );
        }
      }
    }
    parts.push(part);
    at = contentStop + separator.byteLength;
  }
}
