/**
 * A small Server-Sent Events reader for `text/event-stream` bodies: yields the `data` of each
 * event as soon as its blank line arrives (multi-line `data:` fields are joined with `\n`,
 * comments and other fields are ignored, CRLF and CR line ends are accepted).
 * @module
 */

/** Yields each event's data string from a streamed body. */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let match: RegExpExecArray | null;
      const lineEnd = /\r\n|\r|\n/g;
      let consumed = 0;
      while ((match = lineEnd.exec(buffer)) !== null) {
        // A lone `\r` at the very end may be the first half of `\r\n`: wait for more.
        if (match[0] === "\r" && match.index === buffer.length - 1) break;
        const line = buffer.slice(consumed, match.index);
        consumed = match.index + match[0].length;
        if (line === "") {
          if (data.length > 0) yield data.join("\n");
          data = [];
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line[5] === " " ? 6 : 5));
        }
      }
      buffer = buffer.slice(consumed);
    }
    buffer += decoder.decode();
    // A final event without its blank line still counts (the stream ended cleanly).
    if (buffer.startsWith("data:")) data.push(buffer.slice(buffer[5] === " " ? 6 : 5));
    if (data.length > 0) yield data.join("\n");
  } finally {
    reader.releaseLock();
  }
}
