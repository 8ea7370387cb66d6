/**
 * A raw HTTP/1.1 connection to the app over loopback TCP, for tests that must control exactly
 * what is sent and when: a head that declares more than is ever sent, a body sent in pieces, a
 * connection dropped half-way. `fetch` cannot do these (it sends what it is given, as it likes).
 * @module
 */
import { within } from "./wait.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A response read off the wire. */
export interface RawResponse {
  status: number;
  /** Lower-cased names. */
  headers: Map<string, string>;
  body: string;
}

/** One client connection. */
export class RawHttp {
  #conn: Deno.TcpConn;
  #buffer = new Uint8Array(0);
  #eof = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** Connects to the app at `url` (`http://127.0.0.1:<port>`). */
  static async open(url: string): Promise<RawHttp> {
    const { hostname, port } = new URL(url);
    return new RawHttp(await Deno.connect({ hostname, port: Number(port) }));
  }

  /**
   * Sends a request head. `headers` are written as given (with `Host` and, unless given,
   * `Connection: close`), so a test can declare a `Content-Length` it never sends.
   */
  async head(method: string, path: string, headers: Record<string, string>): Promise<void> {
    const lines = [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1"];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    await this.send(lines.join("\r\n") + "\r\n\r\n");
  }

  /** Sends raw bytes (part of a body). */
  async send(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let written = 0;
    while (written < bytes.byteLength) written += await this.#conn.write(bytes.subarray(written));
  }

  /** Sends one chunk of a `Transfer-Encoding: chunked` body. */
  async chunk(bytes: Uint8Array): Promise<void> {
    await this.send(`${bytes.byteLength.toString(16)}\r\n`);
    await this.send(bytes);
    await this.send("\r\n");
  }

  /** Reads one response (bounded wait): its status, headers and body. */
  async response(what = "a response"): Promise<RawResponse> {
    return await within(this.#readResponse(), what);
  }

  /** Resolves once the server has closed the connection (bounded wait). */
  async closedByServer(what = "the server closed the connection"): Promise<void> {
    await within(
      (async () => {
        while (await this.#fill()) this.#buffer = new Uint8Array(0);
      })(),
      what,
    );
  }

  /** Closes our side (an aborted request, or the end of the test). */
  close(): void {
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  /** Reads more bytes into the buffer; false at the end of the stream (or a reset). */
  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = new Uint8Array(64 * 1024);
    let n: number | null;
    try {
      n = await this.#conn.read(chunk);
    } catch (error) {
      if (
        error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BadResource
      ) {
        n = null;
      } else throw error;
    }
    if (n === null) {
      this.#eof = true;
      return false;
    }
    const joined = new Uint8Array(this.#buffer.byteLength + n);
    joined.set(this.#buffer);
    joined.set(chunk.subarray(0, n), this.#buffer.byteLength);
    this.#buffer = joined;
    return true;
  }

  /** Takes bytes up to (and without) `marker` from the buffer, reading as needed. */
  async #until(marker: string): Promise<string> {
    while (true) {
      const text = decoder.decode(this.#buffer);
      const at = text.indexOf(marker);
      if (at !== -1) {
        this.#buffer = this.#buffer.subarray(
          encoder.encode(text.slice(0, at + marker.length)).length,
        );
        return text.slice(0, at);
      }
      if (!await this.#fill()) throw new Error(`connection ended before ${JSON.stringify(marker)}`);
    }
  }

  async #take(length: number): Promise<Uint8Array> {
    while (this.#buffer.byteLength < length) {
      if (!await this.#fill()) throw new Error("connection ended inside a response body");
    }
    const out = this.#buffer.slice(0, length);
    this.#buffer = this.#buffer.subarray(length);
    return out;
  }

  async #readResponse(): Promise<RawResponse> {
    const [statusLine, ...lines] = (await this.#until("\r\n\r\n")).split("\r\n");
    const status = Number(statusLine.split(" ")[1]);
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    let body = "";
    if (headers.has("content-length")) {
      body = decoder.decode(await this.#take(Number(headers.get("content-length"))));
    } else if (headers.get("transfer-encoding")?.includes("chunked")) {
      while (true) {
        const size = parseInt(await this.#until("\r\n"), 16);
        if (size === 0) {
          await this.#until("\r\n");
          break;
        }
        body += decoder.decode(await this.#take(size));
        await this.#until("\r\n");
      }
    }
    return { status, headers, body };
  }
}
