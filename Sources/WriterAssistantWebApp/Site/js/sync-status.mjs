// Where the writer sees whether the open story is saved in the library: saved, saving, offline
// (the edits wait in this browser), saved elsewhere too (a choice to make), or not saved and why.
// In the page's header, so it shows whatever tab is open, and beside the story bible's tools.
import { h } from './dom.mjs';
import { SyncState } from './story-sync.mjs';

export class SyncStatus {
  /** `onResolve()` opens the choice between the two versions; `onRetry()` tries the save again. */
  constructor(container, { mirror, onResolve, onRetry }) {
    this.mirror = mirror; // the story bible's own status line
    this.text = h('span', { class: 'library-status-text' });
    this.resolveButton = h('button', { type: 'button', id: 'resolve-conflict', class: 'quiet', hidden: true, onClick: onResolve }, 'Choose a version\u2026');
    this.retryButton = h('button', { type: 'button', id: 'retry-save', class: 'quiet', hidden: true, onClick: onRetry }, 'Try again');
    this.noteText = h('span', { id: 'library-note', class: 'library-note' });
    this.element = h('div', { id: 'library-status', class: 'library-status', role: 'status', 'aria-live': 'polite', hidden: true, 'data-state': '' },
      h('span', { class: 'dot', 'aria-hidden': 'true' }), this.text, this.resolveButton, this.retryButton, this.noteText);
    container.append(this.element);
  }

  /** A word on what was just done to the story (a choice between two versions), until the next. */
  note(text) {
    this.noteText.textContent = text;
  }

  /** Shows the state of `sync` (a StorySync). */
  show(state, sync) {
    this.element.hidden = false;
    this.element.dataset.state = state;
    const said = describeSyncState(state, sync);
    this.text.textContent = said;
    this.resolveButton.hidden = state !== SyncState.conflict;
    this.retryButton.hidden = state !== SyncState.error;
    if (this.mirror) {
      this.mirror.textContent = said;
      this.mirror.classList.toggle('warning', state === SyncState.conflict || state === SyncState.error);
    }
  }
}

/** The words for a save state. */
export function describeSyncState(state, sync) {
  switch (state) {
    case SyncState.saved: return `Saved in the library (version ${sync.version})`;
    case SyncState.pending: return 'Changes not saved yet\u2026';
    case SyncState.saving: return 'Saving\u2026';
    case SyncState.offline: return 'Offline: your edits are kept in this browser and saved when the server is back';
    case SyncState.conflict: return 'Saved elsewhere too: choose which version to keep';
    default: return `Not saved: ${sync?.lastError?.message ?? 'the server refused the story'}. Your edits are kept in this browser.`;
  }
}
