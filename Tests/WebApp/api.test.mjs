// The one function that streams any operation, fed a fake fetch whose body is SSE bytes: the
// request it makes, the events it yields, and every way it can fail.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
  ApiError, operations, runOperation, streamOperation, streamPath, streamRaterFeedback,
} from '../../Sources/WriterAssistantWebApp/Site/js/api.mjs';

const recordedTokens = await readFile(new URL('./fixtures/recorded-stream-tokens.txt', import.meta.url));

/** SSE bytes for `events`, cut into pieces of `size` bytes. */
function sse(events, size = 7) {
  const bytes = new TextEncoder().encode(events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join(''));
  return chunks(bytes, size);
}

function chunks(bytes, size) {
  const pieces = [];
  for (let offset = 0; offset < bytes.length; offset += size) pieces.push(bytes.subarray(offset, offset + size));
  return pieces;
}

/** A fetch that records its calls and answers with a stream of `pieces` (or a given Response). */
function fakeFetch(answer) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    if (answer instanceof Error) throw answer;
    if (typeof answer === 'function') return answer(url, init);
    const pieces = answer;
    const body = new ReadableStream({
      start(controller) {
        for (const piece of pieces) controller.enqueue(piece);
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  };
  return { fetch, calls };
}

const chapterEvents = [
  { type: 'status', phase: 'context_processing', message: 'Reading', progress: 20 },
  { type: 'status', phase: 'evaluating', message: 'Evaluating', progress: 50 },
  { type: 'status', phase: 'generating_feedback', message: 'Writing', progress: 75 },
  { type: 'token', text: 'Ari opened ' },
  { type: 'token', text: 'the door \u2014 caf\u00e9 \u{1f3b5}.' },
  { type: 'status', phase: 'parsing', message: 'Parsing', progress: 90 },
  { type: 'status', phase: 'complete', message: 'Done', progress: 100 },
  { type: 'result', data: { chapterText: 'Ari opened the door \u2014 caf\u00e9 \u{1f3b5}.', wordCount: 6, context_metadata: { tokens: 10, processing_time: 0.5 } }, status: 'complete' },
];

test('every operation has its streaming path', () => {
  assert.equal(streamPath(operations.generateChapter), '/api/v1/generate-chapter/stream?tokens=true');
  assert.equal(streamPath(operations.editorReview, { tokens: false }), '/api/v1/editor-review/stream');
  assert.deepEqual(Object.values(operations).sort(), [
    'archive/ask', 'character-feedback', 'editor-review', 'flesh-out', 'generate-chapter', 'generate-chapter-outlines', 'generate-character-details',
    'modify-chapter', 'rater-feedback', 'regenerate-bio',
  ]);
  assert.throws(() => streamPath('../health'), TypeError);
  assert.equal(streamPath(operations.askArchive, { tokens: false }), '/api/v1/archive/ask/stream');
  assert.throws(() => streamPath('archive/../../health'), TypeError);
  assert.throws(() => streamPath('archive/ask/more'), TypeError);
});

test('an operation is POSTed as JSON and its events arrive in order, across any chunking', async () => {
  for (const size of [1, 3, 7, 64, 100000]) {
    const { fetch, calls } = fakeFetch(sse(chapterEvents, size));
    const body = { plotPoint: 'Ari opens the door.', structured_context: {}, targetWords: 60 };
    const events = [];
    for await (const event of streamOperation(operations.generateChapter, body, { fetch })) events.push(event);
    assert.deepEqual(events, chapterEvents, `pieces of ${size} bytes`);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].url, '/api/v1/generate-chapter/stream?tokens=true');
    assert.equal(calls[0].init.method, 'POST');
    assert.equal(calls[0].init.headers['Content-Type'], 'application/json');
    assert.equal(calls[0].init.headers.Accept, 'text/event-stream');
    assert.deepEqual(JSON.parse(calls[0].init.body), body);
  }
});

test('runOperation hands over every event and resolves with the result', async () => {
  const { fetch } = fakeFetch(sse(chapterEvents));
  const seen = [];
  const result = await runOperation(operations.generateChapter, {}, { fetch, onEvent: (event) => seen.push(event.type) });
  assert.deepEqual(result, chapterEvents.at(-1).data);
  assert.deepEqual(seen, chapterEvents.map((event) => event.type));
});

test('rater feedback goes through the same function, unchanged', async () => {
  const { fetch, calls } = fakeFetch(chunks(recordedTokens, 37));
  const events = [];
  for await (const event of streamRaterFeedback({ raterPrompt: 'x', plotPoint: 'y' }, { signal: undefined, fetch })) events.push(event);
  assert.equal(calls[0].url, '/api/v1/rater-feedback/stream?tokens=true');
  const expected = new TextDecoder().decode(recordedTokens).split('\n\n').filter((block) => block.startsWith('data: ')).map((block) => JSON.parse(block.slice(6)));
  assert.deepEqual(events, expected);
  assert.equal(events.at(-1).type, 'result');
});

test('events after the result are not read', async () => {
  const { fetch } = fakeFetch(sse([...chapterEvents, { type: 'token', text: 'late' }]));
  const events = [];
  for await (const event of streamOperation(operations.generateChapter, {}, { fetch })) events.push(event);
  assert.equal(events.at(-1).type, 'result');
});

test('an error event ends the stream, and runOperation rejects with its code', async () => {
  const error = { type: 'error', message: 'The model failed.', error_code: 'GENERATION_FAILED' };
  const { fetch } = fakeFetch(sse([chapterEvents[0], error]));
  const events = [];
  for await (const event of streamOperation(operations.editorReview, {}, { fetch })) events.push(event);
  assert.deepEqual(events.map((event) => event.type), ['status', 'error']);
  await assert.rejects(runOperation(operations.editorReview, {}, { fetch: fakeFetch(sse([error])).fetch }),
    (thrown) => thrown instanceof ApiError && thrown.code === 'GENERATION_FAILED' && thrown.message === 'The model failed.');
});

test('a stream that ends before its result is STREAM_ENDED', async () => {
  const { fetch } = fakeFetch(sse(chapterEvents.slice(0, 4)));
  await assert.rejects(runOperation(operations.generateChapter, {}, { fetch }), (thrown) => thrown.code === 'STREAM_ENDED');
});

test('an event that is not JSON is an HTTP_ERROR', async () => {
  const { fetch } = fakeFetch([new TextEncoder().encode('data: {not json\n\n')]);
  await assert.rejects(runOperation(operations.fleshOut, {}, { fetch }), (thrown) => thrown.code === 'HTTP_ERROR');
});

test('a 422 names each invalid field; other refusals carry the server\'s code', async () => {
  const invalid = fakeFetch(() => Response.json({ detail: [
    { loc: ['body', 'characterName'], msg: 'Not one of the characters', type: 'value_error' },
    { loc: ['body', 'plotPoint'], msg: 'Field required', type: 'missing' },
  ] }, { status: 422 }));
  await assert.rejects(runOperation(operations.characterFeedback, {}, { fetch: invalid.fetch }), (thrown) =>
    thrown.code === 'VALIDATION_ERROR' && thrown.message === 'characterName: Not one of the characters; plotPoint: Field required');

  const tooLarge = fakeFetch(() => Response.json({ detail: 'The body is too large.', error_code: 'PAYLOAD_TOO_LARGE' }, { status: 413 }));
  await assert.rejects(runOperation(operations.modifyChapter, {}, { fetch: tooLarge.fetch }), (thrown) =>
    thrown.code === 'PAYLOAD_TOO_LARGE' && thrown.message === 'The body is too large.');

  const proxy = fakeFetch(() => new Response('<html>Bad gateway</html>', { status: 502 }));
  await assert.rejects(runOperation(operations.modifyChapter, {}, { fetch: proxy.fetch }), (thrown) =>
    thrown.code === 'HTTP_ERROR' && /502/.test(thrown.message));
});

test('a server that cannot be reached is a NETWORK_ERROR', async () => {
  const { fetch } = fakeFetch(new TypeError('fetch failed'));
  await assert.rejects(runOperation(operations.generateChapter, {}, { fetch }), (thrown) => thrown.code === 'NETWORK_ERROR');
});

test('aborting closes the connection mid-stream, and is not reported as an API error', async () => {
  const controller = new AbortController();
  let fetchSignal = null;
  // Like a browser's fetch: aborting its signal errors the body being read.
  const fetch = async (url, init) => {
    fetchSignal = init.signal;
    const body = new ReadableStream({
      start(stream) {
        stream.enqueue(sse(chapterEvents.slice(0, 4), 1000)[0]);
        init.signal.addEventListener('abort', () => stream.error(init.signal.reason));
      },
    });
    return new Response(body, { status: 200 });
  };
  const seen = [];
  const running = runOperation(operations.generateChapter, {}, { fetch, signal: controller.signal, onEvent: (event) => {
    seen.push(event.type);
    if (event.type === 'token') controller.abort();
  } });
  await assert.rejects(running, (thrown) => !(thrown instanceof ApiError) && thrown.name === 'AbortError');
  assert.deepEqual(seen, ['status', 'status', 'status', 'token']);
  assert.equal(fetchSignal, controller.signal);
  assert.ok(fetchSignal.aborted);
});

test('the API key kept in the browser is sent as a bearer token', async () => {
  const items = new Map([['writer-assistant.api-key', 'key-123']]);
  globalThis.localStorage = { getItem: (key) => items.get(key) ?? null };
  try {
    const { fetch, calls } = fakeFetch(sse(chapterEvents));
    await runOperation(operations.generateChapter, {}, { fetch });
    assert.equal(calls[0].init.headers.Authorization, 'Bearer key-123');
  } finally {
    delete globalThis.localStorage;
  }
  const { fetch, calls } = fakeFetch(sse(chapterEvents));
  await runOperation(operations.generateChapter, {}, { fetch });
  assert.equal(calls[0].init.headers.Authorization, undefined);
});
