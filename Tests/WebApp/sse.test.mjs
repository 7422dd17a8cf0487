// The page's SSE reader, fed a stream recorded from the real server in every way a network can
// cut it: at each byte offset (inside multi-byte characters too), with CRLF and CR line ends,
// with comments and multi-line data.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { readServerSentEvents, ServerSentEventParser } from '../../Sources/WriterAssistantWebApp/Site/js/sse.mjs';

// Two recordings of the real server: a plain stream, and one with `?tokens=true` (25 kB, so its
// split test samples offsets rather than trying each).
const recorded = await readFile(new URL('./fixtures/recorded-stream.txt', import.meta.url));
const recordedTokens = await readFile(new URL('./fixtures/recorded-stream-tokens.txt', import.meta.url));

function streamOf(chunks) {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function eventsOf(chunks) {
  const events = [];
  for await (const event of readServerSentEvents(streamOf(chunks))) events.push(event);
  return events;
}

function expectedEvents(bytes) {
  return new TextDecoder().decode(bytes).split('\n\n')
    .filter((block) => block.split('\n').some((line) => line.startsWith('data:')))
    .map((block) => block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n'));
}

test('the recordings have the events a client needs, including non-ASCII text', async () => {
  for (const [bytes, hasTokens] of [[recorded, false], [recordedTokens, true]]) {
    const events = await eventsOf([bytes]);
    const types = events.map((event) => JSON.parse(event.data).type);
    assert.equal(types[0], 'status');
    assert.equal(types.includes('token'), hasTokens);
    assert.equal(types.at(-1), 'result');
    assert.deepEqual(events.map((event) => event.data), expectedEvents(bytes));
    assert.ok(/[^\x00-\x7f]/.test(new TextDecoder().decode(bytes)), 'the fixture should hold multi-byte characters');
  }
});

test('a stream split at every byte offset gives the same events', async () => {
  const whole = (await eventsOf([recorded])).map((event) => event.data);
  for (let offset = 1; offset < recorded.length; offset++) {
    const split = await eventsOf([recorded.subarray(0, offset), recorded.subarray(offset)]);
    assert.deepEqual(split.map((event) => event.data), whole, `split at byte ${offset}`);
  }
});

test('the token stream split at sampled offsets, or one byte at a time, gives the same events', async () => {
  const whole = (await eventsOf([recordedTokens])).map((event) => event.data);
  for (let offset = 1; offset < recordedTokens.length; offset += 37) {
    const split = await eventsOf([recordedTokens.subarray(0, offset), recordedTokens.subarray(offset)]);
    assert.deepEqual(split.map((event) => event.data), whole, `split at byte ${offset}`);
  }
  const bytes = [...recordedTokens].map((byte) => Uint8Array.of(byte));
  assert.deepEqual((await eventsOf(bytes)).map((event) => event.data), whole);
});

test('CRLF and CR line ends, split at every offset, give the same events', async () => {
  const whole = (await eventsOf([recorded])).map((event) => event.data);
  const text = new TextDecoder().decode(recorded);
  for (const lineEnd of ['\r\n', '\r']) {
    const bytes = new TextEncoder().encode(text.replaceAll('\n', lineEnd));
    for (let offset = 1; offset < bytes.length; offset += 1) {
      const split = await eventsOf([bytes.subarray(0, offset), bytes.subarray(offset)]);
      assert.deepEqual(split.map((event) => event.data), whole, `${JSON.stringify(lineEnd)} split at ${offset}`);
    }
  }
});

test('comments are skipped, multi-line data is joined, and event names and ids are kept', () => {
  const parser = new ServerSentEventParser();
  const events = parser.push(': keep-alive\n\nevent: note\nid: 7\ndata: first\ndata:second\n\ndata\n\n: bye\n');
  assert.deepEqual(events, [
    { type: 'note', data: 'first\nsecond', lastEventId: '7' },
    { type: 'message', data: '', lastEventId: '7' },
  ]);
});

test('an event cut off by the end of the stream is dropped', async () => {
  const bytes = new TextEncoder().encode('data: {"type":"status"}\n\ndata: {"type":"resu');
  const events = await eventsOf([bytes]);
  assert.deepEqual(events.map((event) => event.data), ['{"type":"status"}']);
});

test('a consumer that stops early cancels the body', async () => {
  let cancelled = false;
  const body = new ReadableStream({
    pull(controller) { controller.enqueue(new TextEncoder().encode('data: x\n\n')); },
    cancel() { cancelled = true; },
  });
  for await (const event of readServerSentEvents(body)) {
    assert.equal(event.data, 'x');
    break;
  }
  assert.ok(cancelled);
});
