// The writer's library as the page uses it: the stories the server keeps, their versions and
// answers, search and export. Every failure is an ApiError with the server's `error_code`; a save
// refused because the story was saved elsewhere is a VersionConflict carrying the story as it is
// on the server, so the page can show both and let the writer choose.
import { ApiError, apiKey } from './api.mjs';

export class VersionConflict extends ApiError {
  /** @param {object} current the story as the server has it now (with its `version`) */
  constructor(detail, current) {
    super('VERSION_CONFLICT', detail);
    this.name = 'VersionConflict';
    this.current = current;
  }
}

/** The library's calls; `fetch` may be replaced (tests give a fake one). */
export class LibraryApi {
  constructor({ fetch: fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
    this.fetch = fetchImpl;
  }

  /** The writer's stories, most recently saved first (or the trash's). */
  async list({ trash = false } = {}) {
    return (await this.#call('GET', `/api/v1/stories${trash ? '?trash=true' : ''}`)).stories;
  }

  /** A new story from `{title, structured_context, raters, plotPoint}`: the stored story, version 1. */
  create(document) {
    return this.#call('POST', '/api/v1/stories', { body: document });
  }

  /** The story now, or at `version`. */
  open(id, { version } = {}) {
    const path = version === undefined ? storyPath(id) : `${storyPath(id)}/versions/${Number(version)}`;
    return this.#call('GET', path);
  }

  /**
   * Saves the story's next version. With `expectedVersion`, a story saved since is left alone and
   * the call rejects with a VersionConflict holding the server's story.
   */
  save(id, document, { expectedVersion } = {}) {
    const headers = expectedVersion === undefined ? {} : { 'If-Match': `"v${Number(expectedVersion)}"` };
    return this.#call('PUT', storyPath(id), { body: document, headers });
  }

  trash(id) { return this.#call('DELETE', storyPath(id)); }
  restore(id) { return this.#call('POST', `${storyPath(id)}/restore`); }
  emptyTrash() { return this.#call('DELETE', '/api/v1/trash'); }

  /** The story's versions, newest first, a page at a time: `before` the last version of the page before. */
  async versions(id, { limit, before } = {}) {
    const query = queryString({ limit: limit === undefined ? undefined : Number(limit), before: before === undefined ? undefined : Number(before) });
    return (await this.#call('GET', `${storyPath(id)}/versions${query}`)).versions;
  }
  restoreVersion(id, version) { return this.#call('POST', `${storyPath(id)}/versions/${Number(version)}/restore`); }

  /** How chapter `chapter` changed from version `from` to `to`: runs of same/removed/added text. */
  diff(id, { from, to, chapter }) {
    return this.#call('GET', `${storyPath(id)}/diff${queryString({ from, to, chapter })}`);
  }

  /** The story's answers, newest first; `filter` may name an operation, a chapter, a rater. */
  async answers(id, filter = {}) {
    const { operation, chapter, rater, limit } = filter;
    return (await this.#call('GET', `${storyPath(id)}/answers${queryString({ operation, chapter, rater, limit })}`)).answers;
  }

  /** The story's conversations with the chat's agents, the latest first (without their turns). */
  async conversations(id) {
    return (await this.#call('GET', `${storyPath(id)}/conversations`)).conversations;
  }

  /** One of the story's conversations, every turn of it. */
  conversation(id, conversation) {
    return this.#call('GET', conversationPath(id, conversation));
  }

  /** Deletes one of the story's conversations for good (the server answers 204, no body). */
  async deleteConversation(id, conversation) {
    await this.#send('DELETE', conversationPath(id, conversation), {});
  }

  /** The writer's best places for `text` across their stories. */
  async search(text, { limit = 20 } = {}) {
    return (await this.#call('GET', `/api/v1/search${queryString({ q: text, limit })}`)).hits;
  }

  /** Where the browser downloads the story as Markdown or JSON. */
  exportURL(id, format) {
    if (format !== 'markdown' && format !== 'json') throw new TypeError(`Not an export format: ${format}`);
    return `${storyPath(id)}/export?format=${format}`;
  }

  /** The export's bytes, for a page that must send the key (a link cannot). */
  async exportFile(id, format) {
    const response = await this.#send('GET', this.exportURL(id, format), {});
    const disposition = response.headers.get('Content-Disposition') ?? '';
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `story.${format === 'json' ? 'json' : 'md'}`;
    return { name, blob: await response.blob() };
  }

  async #call(method, path, options = {}) {
    const response = await this.#send(method, path, options);
    try {
      return await response.json();
    } catch {
      throw new ApiError('HTTP_ERROR', 'The server answered with something that is not JSON.');
    }
  }

  async #send(method, path, { body, headers = {} }) {
    const key = apiKey();
    let response;
    try {
      response = await this.fetch(path, {
        method,
        cache: 'no-store',
        headers: {
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(key ? { Authorization: `Bearer ${key}` } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError('NETWORK_ERROR', error.message);
    }
    if (response.ok) return response;
    let detail = null;
    try {
      detail = await response.json();
    } catch {
      // A proxy's error page: the status alone has to do.
    }
    if (response.status === 412 && detail?.current) {
      throw new VersionConflict(detail.detail ?? 'The story was saved elsewhere.', detail.current);
    }
    if (response.status === 422 && Array.isArray(detail?.detail)) {
      const issues = detail.detail.map((issue) => `${(issue.loc ?? []).slice(1).join(' → ') || 'request'}: ${issue.msg}`);
      throw new ApiError('VALIDATION_ERROR', issues.join('; '));
    }
    const text = typeof detail?.detail === 'string' ? detail.detail : `The server answered ${response.status}.`;
    throw new ApiError(detail?.error_code ?? 'HTTP_ERROR', text);
  }
}

/**
 * `?a=1&b=x%20y` of the parameters that have a value. A space is written %20, not the `+` of
 * URLSearchParams, which the server reads as a plus sign.
 */
function queryString(parameters) {
  const pairs = Object.entries(parameters)
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return pairs.length ? `?${pairs.join('&')}` : '';
}

function storyPath(id) {
  return `/api/v1/stories/${encodeURIComponent(String(id))}`;
}

function conversationPath(id, conversation) {
  return `${storyPath(id)}/conversations/${encodeURIComponent(String(conversation))}`;
}
