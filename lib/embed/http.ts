/**
 * The HTTP side of the embed's own endpoints: the refusal any origin can read, small JSON
 * bodies read with a cap and checked with zod, and answers that no cache keeps.
 * @module
 */
import { z } from "zod";
import { BadRequestError } from "../errors.ts";
import { readBodyCapped } from "../http/body.ts";
import { ORIGIN_NOT_ALLOWED } from "./protocol.ts";

/** Largest body of the embed's endpoints. */
const MAX_BODY_BYTES = 8 * 1024;

/**
 * The answer to a page whose origin is not in `ALLOWED_ORIGINS`: a 403 that any origin may read
 * (`Access-Control-Allow-Origin: *`, no credentials), so that the widget can say why instead of
 * seeing a network error. It reads nothing of the request.
 */
export function refusal(origin: string | null): Response {
  const where = origin && origin !== "null" ? ` on ${origin}` : " here";
  const body = {
    error: {
      code: ORIGIN_NOT_ALLOWED,
      message: `This assistant is not enabled${where}. The site owner can allow it.`,
    },
  };
  return new Response(JSON.stringify(body), {
    status: 403,
    headers: {
      "content-type": "application/json",
      "access-control-allow-origin": "*",
      "cache-control": "no-store",
    },
  });
}

/** A JSON answer for one caller only. */
export function privateJson(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

/** Reads a small JSON body (any content type: the start-up request is `text/plain`). */
export async function readJson<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  const bytes = await readBodyCapped(req, MAX_BODY_BYTES);
  const text = new TextDecoder().decode(bytes).trim();
  let value: unknown = {};
  if (text) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new BadRequestError("The body is not valid JSON", "invalid_json");
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadRequestError(
      `Invalid ${issue?.path.join(".") || "body"}: ${issue?.message ?? "bad value"}`,
      "invalid_request",
    );
  }
  return parsed.data;
}

/** `POST /embed/token`. */
export const StartBody = z.object({
  visitorToken: z.string().max(1024).optional(),
  grant: z.string().max(128).optional(),
}).strict();

/** `POST /embed/grant`. */
export const GrantBody = z.object({
  origin: z.string().max(256),
  visitorToken: z.string().max(1024).optional(),
}).strict();
