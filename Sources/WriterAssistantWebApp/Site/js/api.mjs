// The server's HTTP API as the page uses it: health, and any operation (a rater's feedback, a
// chapter written or revised, an editor's review…) as a stream of events. Every failure becomes
// an ApiError with a code, so the page can explain it.
import { readServerSentEvents } from './sse.mjs';

export class ApiError extends Error {
  /**
   * @param {string} code an `error_code` from the server, or one of the page's own:
   *   VALIDATION_ERROR, HTTP_ERROR, NETWORK_ERROR, STREAM_ENDED
   * @param {string} detail what the server (or the browser) said
   */
  constructor(code, detail) {
    super(detail);
    this.name = 'ApiError';
    this.code = code;
  }
}

const apiKeyStorage = 'writer-assistant.api-key';

/** The key this browser sends to a server that requires one ('' when none is set). */
export function apiKey() {
  try {
    return localStorage.getItem(apiKeyStorage) ?? '';
  } catch {
    return '';
  }
}

/** Keeps the key in this browser, or forgets it when blank. False when the browser refused. */
export function setApiKey(key) {
  try {
    if (key.trim() === '') localStorage.removeItem(apiKeyStorage);
    else localStorage.setItem(apiKeyStorage, key.trim());
    return true;
  } catch {
    return false;
  }
}

function authorization() {
  const key = apiKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

export async function fetchHealth({ signal } = {}) {
  const response = await fetch('/health', { signal, cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!response.ok) throw new ApiError('HTTP_ERROR', `The server answered ${response.status}.`);
  return response.json();
}

/** The operations the page streams, by the name in their path (`/api/v1/<name>/stream`). */
export const operations = Object.freeze({
  raterFeedback: 'rater-feedback',
  characterFeedback: 'character-feedback',
  editorReview: 'editor-review',
  generateChapter: 'generate-chapter',
  modifyChapter: 'modify-chapter',
  fleshOut: 'flesh-out',
  generateCharacterDetails: 'generate-character-details',
  regenerateBio: 'regenerate-bio',
  generateChapterOutlines: 'generate-chapter-outlines',
  askArchive: 'archive/ask',
});

/** An operation's name as its path takes it: words and dashes, perhaps under one folder. */
const operationName = /^[a-z][a-z-]*(?:\/[a-z][a-z-]*)?$/;

/** The streaming endpoint of an operation, with `?tokens=true` when the text is wanted live. */
export function streamPath(operation, { tokens = true } = {}) {
  if (!operationName.test(operation)) throw new TypeError(`Not an operation name: ${operation}`);
  return `/api/v1/${operation}/stream${tokens ? '?tokens=true' : ''}`;
}

/**
 * Streams any operation: POSTs `body` to its streaming endpoint and yields the server's events
 * (`status`, `token`, `result`, `error`) parsed from JSON; ends after `result` or `error`.
 * Aborting `signal` closes the connection, which is how the server learns to stop generating.
 * `fetch` may be replaced (tests give a fake one).
 */
export async function* streamOperation(operation, body, { signal, tokens = true, fetch: fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  const response = await postJSON(streamPath(operation, { tokens }), body, { signal, accept: 'text/event-stream', fetchImpl });
  if (!response.body) throw new ApiError('STREAM_ENDED', 'The server sent no stream.');

  try {
    for await (const message of readServerSentEvents(response.body)) {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        throw new ApiError('HTTP_ERROR', 'The server sent an event that is not JSON.');
      }
      yield event;
      if (event.type === 'result' || event.type === 'error') return;
    }
  } catch (error) {
    if (signal?.aborted || error instanceof ApiError) throw error;
    throw new ApiError('NETWORK_ERROR', error.message);
  }
  throw new ApiError('STREAM_ENDED', 'The connection closed before the answer was complete.');
}

/**
 * Runs an operation to its end: hands every event to `onEvent` as it arrives and resolves with
 * the result's `data`. An `error` event rejects with an ApiError carrying its `error_code`.
 */
export async function runOperation(operation, body, { onEvent, ...options } = {}) {
  for await (const event of streamOperation(operation, body, options)) {
    onEvent?.(event);
    if (event.type === 'result') return event.data;
    if (event.type === 'error') throw new ApiError(event.error_code ?? 'HTTP_ERROR', event.message ?? '');
  }
  throw new ApiError('STREAM_ENDED', 'The connection closed before the answer was complete.');
}

/**
 * The prompt an operation's request would give the model, part by part (`POST
 * /api/v1/<operation>/preview`): nothing is generated. Rejects with an ApiError as the
 * operation would refuse the request.
 */
export async function previewOperation(operation, body, { signal, fetch: fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  if (!operationName.test(operation)) throw new TypeError(`Not an operation name: ${operation}`);
  const response = await postJSON(`/api/v1/${operation}/preview`, body, { signal, accept: 'application/json', fetchImpl });
  try {
    return await response.json();
  } catch {
    throw new ApiError('HTTP_ERROR', 'The server sent a preview that is not JSON.');
  }
}

/** Streams one rater's feedback: `streamOperation` for `rater-feedback`. */
export function streamRaterFeedback(request, options = {}) {
  return streamOperation(operations.raterFeedback, request, options);
}

/**
 * POSTs `body` as JSON with the page's key and resolves with the response once it is known to be
 * a success; a refusal rejects with the ApiError it stands for, a lost connection with
 * NETWORK_ERROR (an abort as the abort).
 */
async function postJSON(path, body, { signal, accept, fetchImpl }) {
  let response;
  try {
    response = await fetchImpl(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: accept, ...authorization() },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError('NETWORK_ERROR', error.message);
  }
  if (!response.ok) throw await errorFromResponse(response);
  return response;
}

async function errorFromResponse(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, say): the status alone has to do.
  }
  if (response.status === 422 && Array.isArray(body?.detail)) {
    const issues = body.detail.map((issue) => `${(issue.loc ?? []).slice(1).join(' → ') || 'request'}: ${issue.msg}`);
    return new ApiError('VALIDATION_ERROR', issues.join('; '));
  }
  const detail = typeof body?.detail === 'string' ? body.detail : `The server answered ${response.status}.`;
  return new ApiError(body?.error_code ?? 'HTTP_ERROR', detail);
}
