// The one story the page works on when the server keeps a library: which story it is
// (remembered in this browser, with the version the page holds), opening and creating stories,
// the writer's edits saved through StorySync, and an operation's request made on the stored
// story (`storyId` in place of the story, once the last edit is saved, so that the server keeps
// the answer in the story's history). Without a library none of this runs, and the page keeps
// the story in this browser alone, as it always has.
import { keep, readKept } from './kept-json.mjs';
import { clippedTitle } from './story-document.mjs';
import { StorySync, SyncState } from './story-sync.mjs';

const openStoryKey = 'writer-assistant.library.open-story';
const importedKey = 'writer-assistant.library.imported';
// The id of the open story when the writer edited it while the library could not be reached at
// all (the page had not started it): those edits are in the page's own storage and go to the
// library when it is back.
const editedOfflineKey = 'writer-assistant.library.edited-offline';

export class LibrarySession {
  /**
   * - `api`: a LibraryApi;
   * - `pageDocument()`: the page's story now, as a story document;
   * - `showStory(story)`: puts a stored story (or a story document) in the page, without it
   *   counting as an edit;
   * - `hasOwnStory()`: whether the page holds a story of the writer's own from before the library
   *   (what a first visit imports);
   * - `newStory()`: the document of a new, empty story;
   * - `onSyncChange(state, sync)`, `onOpen(story)`: for the views.
   */
  constructor({ api, storage = globalThis.localStorage, pageDocument, showStory, hasOwnStory, newStory, onSyncChange, onOpen, delay, retryDelay }) {
    this.api = api;
    this.storage = storage;
    this.pageDocument = pageDocument;
    this.showStory = showStory;
    this.hasOwnStory = hasOwnStory;
    this.newStory = newStory;
    this.onSyncChange = onSyncChange ?? (() => {});
    this.onOpen = onOpen ?? (() => {});
    this.delay = delay;
    this.retryDelay = retryDelay;
    this.sync = null;
    this.story = null; // { id, title } of the open story
    this.started = false;
  }

  /** The open story's id, or null (no library, or not started yet). */
  get openId() {
    return this.sync?.id ?? null;
  }

  /**
   * The library is there: opens the story the page had open, or on the first visit imports the
   * page's own story (once), else opens the newest story or makes a first one.
   */
  async start() {
    if (this.started) return;
    this.started = true;
    try {
      await this.#begin();
    } catch (error) {
      // Tried again on the next sign of the library (the page's health check).
      this.started = false;
      throw error;
    }
  }

  async #begin() {
    const remembered = this.#read(openStoryKey);
    if (remembered?.id) {
      try {
        const story = await this.api.open(remembered.id);
        if (!story.deletedAt) {
          // Read after the story came: the writer may have typed while it was on its way.
          const editedOffline = this.#read(editedOfflineKey) === remembered.id;
          this.#attach(story, { pageEdits: editedOffline ? remembered.version ?? story.version : null });
          return;
        }
      } catch (error) {
        if (error?.code !== 'STORY_NOT_FOUND') throw error;
      }
    }
    this.storage?.removeItem(editedOfflineKey);
    if (!this.#read(importedKey) && this.hasOwnStory()) {
      this.typedWhileStarting = false;
      const story = await this.api.create(this.pageDocument());
      // Remembered once the story is in the library: a reload before imports it then.
      this.#write(importedKey, true);
      this.#attach(story, { pageEdits: this.typedWhileStarting ? story.version : null });
      return;
    }
    this.#write(importedKey, true);
    await this.#openNewest();
  }

  /**
   * The page shows a story as it is (drawn at the start, or opened): it is not an edit. Views
   * report a change when they are drawn as well as when the writer types, so an edit is what
   * differs from the story as last shown or edited.
   */
  pageShown() {
    this.shownKey = JSON.stringify(this.pageDocument());
  }

  /** The writer may have changed the story in the page. */
  edited() {
    if (this.shownKey === undefined || this.showing) return; // the page is being drawn
    const document = this.pageDocument();
    const key = JSON.stringify(document);
    if (key === this.shownKey) return;
    this.shownKey = key;
    if (this.sync) {
      this.sync.edit(document);
      return;
    }
    const remembered = this.#read(openStoryKey);
    if (remembered?.id) this.#write(editedOfflineKey, remembered.id);
    else this.typedWhileStarting = true;
  }

  /** Opens story `id`, after saving the open one (edits that cannot be saved now stay in this browser). */
  async open(id) {
    if (id === this.openId) return;
    const story = await this.api.open(id);
    await this.#leave();
    this.#attach(story);
  }

  /** Makes a story of `document` and opens it. */
  async create(document) {
    await this.#leave();
    this.#attach(await this.api.create(document));
  }

  /** Renames a story that is not open (the open one is renamed by its title in the page). */
  async rename(id, title) {
    const story = await this.api.open(id);
    await this.api.save(id, { ...story, title }, { expectedVersion: story.version });
  }

  /** Moves a story to the trash; for the open one, the newest other story opens (or a new one). */
  async trash(id) {
    if (id !== this.openId) {
      await this.api.trash(id);
      return;
    }
    await this.sync.flush();
    await this.api.trash(id);
    this.#detach();
    this.storage?.removeItem(openStoryKey);
    await this.#openNewest();
  }

  /** Makes an older version the newest, after saving what the page holds (so it stays in the history). */
  async restoreVersion(version) {
    await this.sync.flush();
    this.#attach(await this.api.restoreVersion(this.openId, version));
  }

  /**
   * Ends a conflict. 'mine' saves the page's story over theirs (theirs stays in the history);
   * 'theirs' shows theirs, and first keeps the page's story as a copy in the trash, so that no
   * text is ever dropped without a way back. Returns what to tell the writer.
   */
  async resolveConflict(choice) {
    const sync = this.sync;
    if (!sync?.conflict) return '';
    if (choice === 'mine') {
      await sync.resolve('mine');
      return 'Your version is saved; the other one stays in the history.';
    }
    const mine = sync.mine;
    const title = clippedTitle(`${mine.title} (edits not kept)`);
    const copy = await this.api.create({ ...mine, title });
    await this.api.trash(copy.id);
    const theirs = await sync.resolve('theirs');
    this.#show(theirs);
    this.pageShown();
    this.#remember();
    return `The other version is open. Your edits are in the trash as \u201c${title}\u201d, should you want them back.`;
  }

  /** The server may be back: send what waits. */
  retry() {
    this.sync?.retry();
  }

  /** The story's export, after the last edit is saved (when it can be). */
  async exportFile(format) {
    await this.sync?.flush().catch(() => {});
    return this.api.exportFile(this.openId, format);
  }

  /**
   * The body of an operation on the open story: `storyId` (and the chapter it is about) in place
   * of `structured_context`, once the last edit is saved, so the server reads the story as the
   * page has it and keeps the answer in its history. When the story cannot be saved now
   * (offline, or saved elsewhere and not yet chosen), the request carries the page's story as
   * before: the writer still gets the answer, which is then not kept.
   */
  async requestFor(body, { chapter } = {}) {
    const sync = this.sync;
    if (!sync || !body || !('structured_context' in body)) return body;
    try {
      await sync.flush();
    } catch {
      return body;
    }
    const { structured_context: _, ...rest } = body;
    return { ...rest, storyId: sync.id, ...(Number.isInteger(chapter) ? { chapter } : {}) };
  }

  // --- Inside -----------------------------------------------------------------------------------

  /**
   * Makes `story` the open one. Edits of it kept in this browser and not yet saved (from before
   * a reload) are shown and sent; with `pageEdits` (the version the page's edits were made on),
   * the page as it is is sent, made on that version.
   */
  #attach(story, { pageEdits = null } = {}) {
    this.#detach();
    const sync = new StorySync({
      api: this.api, id: story.id, version: pageEdits ?? story.version, storage: this.storage,
      ...(this.delay !== undefined ? { delay: this.delay } : {}),
      ...(this.retryDelay !== undefined ? { retryDelay: this.retryDelay } : {}),
      onChange: (state, which) => {
        if (which !== this.sync) return;
        this.#remember();
        if (state === SyncState.saved) this.story = { id: which.id, title: which.unsaved?.title ?? this.story?.title };
        this.onSyncChange(state, which);
      },
    });
    this.sync = sync;
    this.story = { id: story.id, title: story.title };
    this.storage?.removeItem(editedOfflineKey);
    if (sync.unsaved) {
      this.#show(sync.unsaved);
      sync.edit(sync.unsaved);
    } else if (pageEdits !== null) {
      sync.edit(this.pageDocument());
    } else {
      this.#show(story);
    }
    this.pageShown();
    this.#remember();
    this.onSyncChange(sync.state, sync);
    this.onOpen(this.story);
  }

  /** The newest story of the library opens, or a new one when there is none. */
  async #openNewest() {
    const [newest] = await this.api.list();
    this.#attach(newest ? await this.api.open(newest.id) : await this.api.create(this.newStory()));
  }

  /** Shows a story in the page; the views report that as changes, which are no edits. */
  #show(story) {
    this.showing = true;
    try {
      this.showStory(story);
    } finally {
      this.showing = false;
    }
  }

  #detach() {
    this.sync?.close();
    this.sync = null;
  }

  #remember() {
    if (this.sync) this.#write(openStoryKey, { id: this.sync.id, version: this.sync.version });
  }

  #read(key) {
    return readKept(this.storage, key);
  }

  #write(key, value) {
    // A full or refused storage: the library keeps the story all the same.
    keep(this.storage, key, value);
  }

  async #leave() {
    if (!this.sync) return;
    // Edits that cannot be saved now (offline, or saved elsewhere) stay in this browser under
    // the story's id and are sent, or offered, when it is opened again.
    await this.sync.flush().catch(() => {});
    this.#detach();
  }
}
