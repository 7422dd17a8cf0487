// Keeps one story saved on the server while the writer types: each edit is saved after a short
// pause, one save at a time, always the newest text. What is not yet saved is also kept in the
// browser, so that a closed tab, a server that is away or a network that dropped loses nothing:
// it is sent when the server is back, even after a reload. A save refused because the story was
// saved elsewhere (another tab, another machine) stops saving and offers both versions.
import { forget, keep, readKept } from './kept-json.mjs';
import { VersionConflict } from './library-api.mjs';

/** The states the page shows: saved, saving (or waiting to), offline, conflict, error. */
export const SyncState = Object.freeze({
  saved: 'saved', pending: 'pending', saving: 'saving', offline: 'offline', conflict: 'conflict', error: 'error',
});

const pendingKey = (id) => `writer-assistant.pending.${id}`;

export class StorySync {
  /**
   * @param {object} options
   * @param {import('./library-api.mjs').LibraryApi} options.api
   * @param {string} options.id the story's id
   * @param {number} options.version the version the page holds
   * @param {Storage} [options.storage] where unsaved edits wait (localStorage by default)
   * @param {number} [options.delay] ms of quiet before an edit is saved
   * @param {number} [options.retryDelay] ms between tries while the server is away
   * @param {(state: string, sync: StorySync) => void} [options.onChange]
   * @param {(timer: Function, ms: number) => any} [options.setTimer] replaceable clock, for tests
   */
  constructor({ api, id, version, storage = globalThis.localStorage, delay = 800, retryDelay = 5000, onChange, setTimer, clearTimer }) {
    this.api = api;
    this.id = id;
    this.version = version;
    this.storage = storage;
    this.delay = delay;
    this.retryDelay = retryDelay;
    this.onChange = onChange ?? (() => {});
    this.setTimer = setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer = clearTimer ?? ((handle) => clearTimeout(handle));
    this.state = SyncState.saved;
    this.conflict = null;
    this.lastError = null;
    this.pending = this.#readPending();
    this.timer = null;
    this.running = null;
    if (this.pending) this.#setState(SyncState.pending);
  }

  /** Edits kept in this browser from an earlier visit, not yet on the server (or null). */
  get unsaved() { return this.pending?.document ?? null; }

  /**
   * In a conflict, the page's version: its newest edits, since the writer may have typed on
   * while the choice waited (null without a conflict).
   */
  get mine() { return this.conflict ? this.unsaved ?? this.conflict.mine : null; }

  /** The writer changed the story: it is kept in the browser now and saved after a pause. */
  edit(document) {
    this.pending = { document, base: this.pending?.base ?? this.version };
    this.#writePending();
    if (this.state === SyncState.conflict) return;
    this.#setState(SyncState.pending);
    this.#schedule(this.delay);
  }

  /** Saves what is pending now (before an operation reads the story on the server). */
  async flush() {
    this.#cancelTimer();
    if (this.running) await this.running;
    if (this.pending && this.state !== SyncState.conflict) await this.#save();
    if (this.state === SyncState.conflict) throw new VersionConflict('The story was saved elsewhere.', this.conflict.theirs);
    if (this.pending) throw this.lastError ?? new Error('The story is not saved yet.');
  }

  /**
   * Ends a conflict: 'mine' saves the page's version over the server's (as a new version, so
   * theirs stays in the history); 'theirs' drops the page's edits and takes the server's.
   * Returns the story the page should now show.
   */
  async resolve(choice) {
    if (!this.conflict) return null;
    const { theirs } = this.conflict;
    const mine = this.mine;
    this.conflict = null;
    this.version = theirs.version;
    if (choice === 'theirs') {
      this.pending = null;
      this.#writePending();
      this.#setState(SyncState.saved);
      return theirs;
    }
    this.pending = { document: mine, base: theirs.version };
    this.#writePending();
    await this.#save();
    return null;
  }

  /** The server may be back: try the pending save now. */
  retry() {
    if (this.pending && (this.state === SyncState.offline || this.state === SyncState.error)) this.#schedule(0);
  }

  /** Stops timers (the page is switching to another story); pending edits stay in the browser. */
  close() {
    this.#cancelTimer();
  }

  async #save() {
    if (this.running) return this.running;
    this.running = (async () => {
      while (this.pending) {
        const { document } = this.pending;
        this.#setState(SyncState.saving);
        try {
          // The version the edit was made on, which after a reload may be older than the
          // server's newest: then the save is refused and the writer chooses, never overwritten.
          const saved = await this.api.save(this.id, document, { expectedVersion: this.pending.base ?? this.version });
          this.version = saved.version;
          // Only what was sent is saved: a newer edit made meanwhile stays pending.
          if (this.pending?.document === document) {
            this.pending = null;
            this.#writePending();
          } else if (this.pending) {
            this.pending.base = saved.version;
            this.#writePending();
          }
          this.lastError = null;
        } catch (error) {
          this.lastError = error;
          if (error instanceof VersionConflict) {
            this.conflict = { mine: this.pending.document, theirs: error.current };
            this.#setState(SyncState.conflict);
          } else if (error?.code === 'NETWORK_ERROR' || error?.code === 'LIBRARY_NOT_AVAILABLE') {
            this.#setState(SyncState.offline);
            this.#schedule(this.retryDelay);
          } else {
            this.#setState(SyncState.error);
          }
          return;
        }
      }
      this.#setState(SyncState.saved);
    })();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  #schedule(ms) {
    this.#cancelTimer();
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.#save();
    }, ms);
  }

  #cancelTimer() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  #setState(state) {
    this.state = state;
    this.onChange(state, this);
  }

  #readPending() {
    return readKept(this.storage, pendingKey(this.id));
  }

  #writePending() {
    // A full or refused storage: the save to the server still goes ahead.
    if (this.pending && this.storage) keep(this.storage, pendingKey(this.id), this.pending);
    else forget(this.storage, pendingKey(this.id));
  }
}
