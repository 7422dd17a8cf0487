// The library's calls and the save engine that keeps a story on the server while the writer
// types, against a fake fetch, a fake server and a fake clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LibraryApi, VersionConflict } from '../../Sources/WriterAssistantWebApp/Site/js/library-api.mjs';
import { StorySync, SyncState } from '../../Sources/WriterAssistantWebApp/Site/js/story-sync.mjs';
import { LibrarySession } from '../../Sources/WriterAssistantWebApp/Site/js/library-session.mjs';

function respond(status, body, headers = {}) {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status, headers: { 'Content-Type': 'application/json', ...headers },
  });
}

function recordingFetch(answer) {
  const calls = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      if (answer instanceof Error) throw answer;
      return answer(url, init);
    },
  };
}

test('a save sends If-Match and a stale one is a VersionConflict carrying the server\'s story', async () => {
  const current = { id: 's1', version: 3, title: 'Theirs' };
  const { fetch, calls } = recordingFetch((url, init) => (init.headers['If-Match'] === '"v3"'
    ? respond(200, { ...current, version: 4 })
    : respond(412, { detail: 'saved since', error_code: 'VERSION_CONFLICT', current })));
  const api = new LibraryApi({ fetch });
  const saved = await api.save('s1', { title: 'Mine' }, { expectedVersion: 3 });
  assert.equal(saved.version, 4);
  assert.equal(calls[0].url, '/api/v1/stories/s1');
  assert.equal(calls[0].init.method, 'PUT');
  assert.equal(JSON.parse(calls[0].init.body).title, 'Mine');
  await assert.rejects(api.save('s1', { title: 'Mine' }, { expectedVersion: 2 }), (error) => {
    assert.ok(error instanceof VersionConflict);
    assert.equal(error.code, 'VERSION_CONFLICT');
    assert.deepEqual(error.current, current);
    return true;
  });
});

test('failures carry the server\'s code, located 422s and network errors', async () => {
  const notFound = new LibraryApi({ fetch: recordingFetch(() => respond(404, { detail: 'No story', error_code: 'STORY_NOT_FOUND' })).fetch });
  await assert.rejects(notFound.open('x'), { code: 'STORY_NOT_FOUND', message: 'No story' });
  const invalid = new LibraryApi({ fetch: recordingFetch(() => respond(422, { detail: [{ loc: ['body', 'title'], msg: 'required' }] })).fetch });
  await assert.rejects(invalid.create({}), { code: 'VALIDATION_ERROR', message: 'title: required' });
  const away = new LibraryApi({ fetch: recordingFetch(new TypeError('Failed to fetch')).fetch });
  await assert.rejects(away.list(), { code: 'NETWORK_ERROR' });
  const proxy = new LibraryApi({ fetch: recordingFetch(() => respond(502, '<html>bad gateway</html>')).fetch });
  await assert.rejects(proxy.list(), { code: 'HTTP_ERROR' });
});

test('queries are built (a space as %20, which the server reads as one) and ids encoded', async () => {
  const { fetch, calls } = recordingFetch((url) => respond(200, url.includes('search') ? { hits: [] } : { answers: [], versions: [], stories: [] }));
  const api = new LibraryApi({ fetch });
  await api.answers('a/b', { operation: 'rater-feedback', chapter: 3, rater: 'Pacing editor', limit: undefined });
  await api.search('drowned weir & co');
  await api.list({ trash: true });
  await api.versions('id-1');
  await api.versions('id-1', { limit: 20, before: 41 });
  await api.diff('id-1', { from: 2, to: 5, chapter: 3 });
  assert.deepEqual(calls.map((call) => call.url), [
    '/api/v1/stories/a%2Fb/answers?operation=rater-feedback&chapter=3&rater=Pacing%20editor',
    '/api/v1/search?q=drowned%20weir%20%26%20co&limit=20',
    '/api/v1/stories?trash=true',
    '/api/v1/stories/id-1/versions',
    '/api/v1/stories/id-1/versions?limit=20&before=41',
    '/api/v1/stories/id-1/diff?from=2&to=5&chapter=3',
  ]);
  assert.equal(api.exportURL('id-1', 'markdown'), '/api/v1/stories/id-1/export?format=markdown');
  assert.throws(() => api.exportURL('id-1', 'pdf'), TypeError);
});

/** A server holding one story, whose saves can be made to fail; a clock moved by hand. */
function harness({ version = 1 } = {}) {
  const server = { version, saves: [], fail: null, conflictWith: null };
  const api = {
    async save(id, document, { expectedVersion }) {
      if (server.fail) throw server.fail;
      if (server.conflictWith) throw new VersionConflict('saved since', server.conflictWith);
      assert.equal(expectedVersion, server.version, 'a save names the version it replaces');
      server.version += 1;
      server.saves.push(document);
      return { id, version: server.version };
    },
  };
  const timers = [];
  const storage = new Map();
  const store = {
    getItem: (key) => storage.get(key) ?? null, setItem: (key, value) => storage.set(key, value), removeItem: (key) => storage.delete(key),
  };
  const states = [];
  const make = () => new StorySync({
    api, id: 's1', version: server.version, storage: store, delay: 800, retryDelay: 5000,
    onChange: (state) => states.push(state), setTimer: (callback, ms) => timers.push({ callback, ms }) - 1, clearTimer: () => {},
  });
  const tick = async () => {
    const timer = timers.pop();
    timers.length = 0;
    timer?.callback();
    await new Promise((resolve) => setTimeout(resolve, 0));
    return timer;
  };
  return { server, make, tick, storage, states, timers };
}

test('edits are kept in the browser at once and saved after a pause, newest last', async () => {
  const { server, make, tick, storage } = harness();
  const sync = make();
  sync.edit({ title: 'One' });
  sync.edit({ title: 'Two' });
  assert.equal(sync.state, SyncState.pending);
  assert.ok(storage.has('writer-assistant.pending.s1'), 'an unsaved edit survives a closed tab');
  const timer = await tick();
  assert.equal(timer.ms, 800);
  assert.deepEqual(server.saves, [{ title: 'Two' }]);
  assert.equal(sync.state, SyncState.saved);
  assert.equal(sync.version, 2);
  assert.ok(!storage.has('writer-assistant.pending.s1'));
});

test('while the server is away edits wait, are kept across a reload, and go when it is back', async () => {
  const { server, make, tick } = harness();
  const sync = make();
  server.fail = Object.assign(new Error('offline'), { code: 'NETWORK_ERROR' });
  sync.edit({ title: 'Written offline' });
  await tick();
  assert.equal(sync.state, SyncState.offline);
  assert.equal(server.saves.length, 0);

  // The tab is closed and opened again: the edit is still there, waiting.
  const reopened = make();
  assert.deepEqual(reopened.unsaved, { title: 'Written offline' });
  assert.equal(reopened.state, SyncState.pending);
  server.fail = null;
  await reopened.flush();
  assert.deepEqual(server.saves, [{ title: 'Written offline' }]);
  assert.equal(reopened.state, SyncState.saved);
  assert.equal(make().unsaved, null);
});

test('a story saved elsewhere stops saving and offers both versions', async () => {
  const { server, make, tick } = harness({ version: 4 });
  const sync = make();
  server.conflictWith = { id: 's1', version: 5, title: 'From the other tab' };
  sync.edit({ title: 'From this tab' });
  await tick();
  assert.equal(sync.state, SyncState.conflict);
  assert.deepEqual(sync.conflict.mine, { title: 'From this tab' });
  assert.equal(sync.conflict.theirs.title, 'From the other tab');
  await assert.rejects(sync.flush(), VersionConflict);

  // Keeping this tab's version saves it over theirs, which stays in the history.
  server.conflictWith = null;
  server.version = 5;
  assert.equal(await sync.resolve('mine'), null);
  assert.deepEqual(server.saves, [{ title: 'From this tab' }]);
  assert.equal(sync.version, 6);
  assert.equal(sync.state, SyncState.saved);
});

test('taking the other version drops this tab\'s edits', async () => {
  const { server, make, tick } = harness({ version: 2 });
  const sync = make();
  server.conflictWith = { id: 's1', version: 3, title: 'Theirs' };
  sync.edit({ title: 'Mine' });
  await tick();
  const theirs = await sync.resolve('theirs');
  assert.equal(theirs.title, 'Theirs');
  assert.equal(sync.version, 3);
  assert.equal(sync.unsaved, null);
  assert.equal(sync.state, SyncState.saved);
});

test('edits kept from before a reload never overwrite a version saved meanwhile elsewhere', async () => {
  const { server, make, tick } = harness({ version: 1 });
  const sync = make();
  server.fail = Object.assign(new Error('offline'), { code: 'NETWORK_ERROR' });
  sync.edit({ title: 'Written offline on version 1' });
  await tick();
  // Another laptop saves version 2; this tab is reopened, knowing the server is at 2.
  server.fail = null;
  server.version = 2;
  server.conflictWith = null;
  const realSave = server.saves;
  const reopened = make();
  assert.equal(reopened.version, 2);
  let sent = null;
  reopened.api = {
    async save(id, document, { expectedVersion }) {
      sent = expectedVersion;
      throw new VersionConflict('saved since', { id, version: 2, title: 'From the other laptop' });
    },
  };
  await assert.rejects(reopened.flush(), VersionConflict);
  assert.equal(sent, 1, 'the save names the version the edit was made on');
  assert.equal(reopened.state, SyncState.conflict);
  assert.equal(realSave.length, 0);
});

test('keeping this tab\'s version keeps what was typed while the choice waited', async () => {
  const { server, make, tick } = harness({ version: 1 });
  const sync = make();
  server.conflictWith = { id: 's1', version: 2, title: 'Theirs' };
  sync.edit({ title: 'Mine' });
  await tick();
  assert.equal(sync.state, SyncState.conflict);
  sync.edit({ title: 'Mine, typed on' });
  server.conflictWith = null;
  server.version = 2;
  await sync.resolve('mine');
  assert.deepEqual(server.saves, [{ title: 'Mine, typed on' }]);
  assert.equal(sync.state, SyncState.saved);
});

/** A library of stories in memory, with LibraryApi's calls. */
function fakeLibrary() {
  const stories = new Map();
  let next = 1;
  const api = {
    calls: [],
    async create(document) {
      const story = { ...structuredClone(document), id: `s${next++}`, version: 1, updatedAt: new Date().toISOString() };
      stories.set(story.id, story);
      api.calls.push(['create', story.title]);
      return structuredClone(story);
    },
    async list() {
      return [...stories.values()].filter((story) => !story.deletedAt).reverse().map(({ id, title, version }) => ({ id, title, version }));
    },
    async open(id) {
      if (!stories.has(id)) throw Object.assign(new Error('No story'), { code: 'STORY_NOT_FOUND' });
      return structuredClone(stories.get(id));
    },
    async save(id, document, { expectedVersion }) {
      const story = stories.get(id);
      if (expectedVersion !== story.version) throw new VersionConflict('saved since', structuredClone(story));
      const saved = { ...story, ...structuredClone(document), id, version: story.version + 1 };
      stories.set(id, saved);
      api.calls.push(['save', id, saved.version]);
      return structuredClone(saved);
    },
    async trash(id) { stories.get(id).deletedAt = 'now'; },
  };
  return { api, stories };
}

function memoryStorage() {
  const map = new Map();
  return { map, getItem: (key) => map.get(key) ?? null, setItem: (key, value) => map.set(key, String(value)), removeItem: (key) => map.delete(key) };
}

function session({ api, storage, page, ownStory = false }) {
  return new LibrarySession({
    api, storage, delay: 0, retryDelay: 10,
    pageDocument: () => structuredClone(page.document),
    showStory: (story) => { page.document = { title: story.title, structured_context: story.structured_context ?? {}, raters: story.raters ?? [], plotPoint: story.plotPoint ?? '' }; },
    hasOwnStory: () => ownStory,
    newStory: () => ({ title: 'Untitled story', structured_context: {}, raters: [], plotPoint: '' }),
  });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

test('a first visit imports the browser\'s own story once; later visits open the story left open', async () => {
  const { api } = fakeLibrary();
  const storage = memoryStorage();
  const page = { document: { title: 'Mine', structured_context: { worldbuilding: { content: 'Salt.' } }, raters: [], plotPoint: '' } };
  const first = session({ api, storage, page, ownStory: true });
  first.pageShown();
  await first.start();
  assert.deepEqual(api.calls, [['create', 'Mine']]);
  const id = first.openId;

  const again = session({ api, storage, page, ownStory: true });
  again.pageShown();
  await again.start();
  assert.equal(again.openId, id);
  assert.deepEqual(api.calls, [['create', 'Mine']], 'opened, not imported again, not saved');
});

test('an operation on the open story saves the last edit first and names the story instead of sending it', async () => {
  const { api, stories } = fakeLibrary();
  const storage = memoryStorage();
  const page = { document: { title: 'Untitled story', structured_context: {}, raters: [], plotPoint: '' } };
  const library = session({ api, storage, page });
  library.pageShown();
  await library.start();
  page.document = { ...page.document, plotPoint: 'Typed just now.' };
  library.edited();
  const body = await library.requestFor({ chapterToReview: 'Text', structured_context: { characters: [] } }, { chapter: 2 });
  assert.deepEqual(body, { chapterToReview: 'Text', storyId: library.openId, chapter: 2 });
  assert.equal(stories.get(library.openId).plotPoint, 'Typed just now.');
  // A story saved elsewhere meanwhile: the request carries the page's story (nothing is lost).
  stories.get(library.openId).version += 1;
  page.document = { ...page.document, plotPoint: 'Typed again.' };
  library.edited();
  const fallback = await library.requestFor({ plotPoint: 'p', structured_context: { characters: [] } });
  assert.deepEqual(fallback, { plotPoint: 'p', structured_context: { characters: [] } });
});

test('drawing the page, or showing the same story again, is no edit', async () => {
  const { api } = fakeLibrary();
  const storage = memoryStorage();
  const page = { document: { title: 'Untitled story', structured_context: {}, raters: [], plotPoint: '' } };
  const library = session({ api, storage, page });
  library.edited(); // a view drawn before the page was shown
  library.pageShown();
  await library.start();
  library.edited();
  await settle();
  assert.deepEqual(api.calls.filter(([call]) => call === 'save'), []);
});

test('edits made while the library could not be reached are sent, made on the version they were made on', async () => {
  const { api, stories } = fakeLibrary();
  const storage = memoryStorage();
  const page = { document: { title: 'Untitled story', structured_context: {}, raters: [], plotPoint: '' } };
  const before = session({ api, storage, page });
  before.pageShown();
  await before.start();
  const id = before.openId;
  // The next visit: the server is away at first; the writer types.
  const later = session({ api, storage, page });
  later.pageShown();
  page.document = { ...page.document, plotPoint: 'Typed offline.' };
  later.edited();
  await later.start();
  await later.sync.flush();
  assert.equal(stories.get(id).plotPoint, 'Typed offline.');
  assert.equal(stories.get(id).version, 2);
});

test('what is typed while the first visit\'s import is on its way is saved too', async () => {
  const { api, stories } = fakeLibrary();
  const storage = memoryStorage();
  const page = { document: { title: 'Mine', structured_context: {}, raters: [], plotPoint: 'Before.' } };
  const library = session({ api, storage, page, ownStory: true });
  library.pageShown();
  const create = api.create;
  api.create = async (document) => {
    page.document = { ...page.document, plotPoint: 'Typed meanwhile.' };
    library.edited();
    return create(document);
  };
  await library.start();
  await library.sync.flush();
  assert.equal(stories.get(library.openId).plotPoint, 'Typed meanwhile.');
  assert.equal(page.document.plotPoint, 'Typed meanwhile.');
});
