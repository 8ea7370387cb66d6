/**
 * Reading uploaded attachment bytes: `multipart/form-data` with a `file` field, or a raw body.
 * The body is read with a cap just above the attachment limit (413 beyond it).
 * @module
 */
import { BadRequestError } from "../errors.ts";
import { readBodyCapped } from "./body.ts";
import { multipartBoundary, parseMultipart } from "./multipart.ts";

/** Room for multipart boundaries and part headers on top of the attachment limit. */
export const MULTIPART_OVERHEAD = 64 * 1024;

/** An uploaded file. */
export interface UploadedFile {
  bytes: Uint8Array;
  /** The part's file name (multipart only). */
  name?: string;
  /** The part's or body's content type, when given. */
  mimeType?: string;
}

/** Reads one uploaded file from a request. */
export async function readUpload(
  req: Request,
  maxBytes: number,
  options: { requireMultipart?: boolean } = {},
): Promise<UploadedFile> {
  const contentType = req.headers.get("content-type") ?? "";
  const multipart = contentType.toLowerCase().startsWith("multipart/form-data");
  if (!multipart && options.requireMultipart) {
    throw new BadRequestError("Expected multipart/form-data with a `file` field", "invalid_upload");
  }
  const body = await readBodyCapped(req, maxBytes + (multipart ? MULTIPART_OVERHEAD : 0));
  if (!multipart) {
    const mimeType = contentType.split(";")[0].trim();
    return mimeType ? { bytes: body, mimeType } : { bytes: body };
  }
  const boundary = multipartBoundary(contentType);
  const parts = boundary ? parseMultipart(body, boundary) : null;
  if (!parts) throw new BadRequestError("Malformed multipart body", "invalid_upload");
  const file = parts.find((p) => p.name === "file" && p.filename !== undefined);
  if (!file) {
    throw new BadRequestError("file: a file field named `file` is required", "invalid_upload");
  }
  // A view into the body read above: the upload is held once, within its cap.
  const out: UploadedFile = { bytes: file.body };
  if (file.filename) out.name = file.filename;
  if (file.contentType) out.mimeType = file.contentType;
  return out;
}
