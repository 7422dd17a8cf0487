// Reads a `text/event-stream` body the way the WHATWG spec says a browser's EventSource does.
// Network chunks may end anywhere — inside a line, between `\r` and `\n`, or inside a multi-byte
// UTF-8 character — so nothing is decided until the bytes that decide it have arrived.

/** Turns decoded text, pushed in arbitrary pieces, into complete events. */
export class ServerSentEventParser {
  #buffer = '';
  #skipLineFeed = false; // the previous piece ended in `\r`; a leading `\n` belongs to it
  #dataLines = [];
  #eventType = '';
  #lastEventId = '';

  /** Feeds the next piece of text; returns the events it completed, in order. */
  push(text) {
    const events = [];
    this.#buffer += text;
    let start = 0;
    if (this.#skipLineFeed && this.#buffer.startsWith('\n')) start = 1;
    this.#skipLineFeed = false;
    for (;;) {
      const end = this.#lineEnd(start);
      if (end < 0) break;
      const event = this.#processLine(this.#buffer.slice(start, end));
      if (event) events.push(event);
      if (this.#buffer[end] === '\r') {
        if (end + 1 === this.#buffer.length) {
          this.#skipLineFeed = true;
          start = end + 1;
          break;
        }
        start = this.#buffer[end + 1] === '\n' ? end + 2 : end + 1;
      } else {
        start = end + 1;
      }
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }

  #lineEnd(from) {
    for (let index = from; index < this.#buffer.length; index++) {
      const char = this.#buffer[index];
      if (char === '\n' || char === '\r') return index;
    }
    return -1;
  }

  #processLine(line) {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return null; // a comment, such as the server's keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data': this.#dataLines.push(value); break;
      case 'event': this.#eventType = value; break;
      case 'id': if (!value.includes('\0')) this.#lastEventId = value; break;
      default: break; // `retry` and unknown fields do not matter to a fetch-based reader
    }
    return null;
  }

  #dispatch() {
    const dataLines = this.#dataLines;
    const type = this.#eventType || 'message';
    this.#dataLines = [];
    this.#eventType = '';
    if (dataLines.length === 0) return null;
    return { type, data: dataLines.join('\n'), lastEventId: this.#lastEventId };
  }
}

/**
 * Yields the events of a response body (a `ReadableStream` of bytes). An event still incomplete
 * when the stream ends is dropped, as the spec requires: it may have been cut off mid-way.
 */
export async function* readServerSentEvents(body) {
  const decoder = new TextDecoder('utf-8');
  const parser = new ServerSentEventParser();
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    finished = true;
    yield* parser.push(decoder.decode());
  } finally {
    // A consumer that stops early closes the connection, so the server stops working for it.
    if (finished) reader.releaseLock();
    else await reader.cancel().catch(() => {});
  }
}
