/**
 * Reading uploaded attachment bytes: `multipart/form-data` with a `file` field, or a raw body.
 * The body is read with a cap just above the attachment limit (413 beyond it).
 * @module
 */
import { BadRequestError } from "../errors.ts";
import { readBodyCapped } from "./body.ts";

/** Room for multipart boundaries and part headers on top of the attachment limit. */
const MULTIPART_OVERHEAD = 64 * 1024;

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
  let form: FormData;
  try {
    form = await new Response(body as BodyInit, { headers: { "content-type": contentType } })
      .formData();
  } catch {
    throw new BadRequestError("Malformed multipart body", "invalid_upload");
  }
  const file = form.get("file");
  if (!(file instanceof File)) {
    throw new BadRequestError("file: a file field named `file` is required", "invalid_upload");
  }
  const out: UploadedFile = { bytes: new Uint8Array(await file.arrayBuffer()) };
  if (file.name) out.name = file.name;
  if (file.type) out.mimeType = file.type;
  return out;
}
