// How the page offers to undo what a click did, in the place where it was done: "Imported
// story.json. Undo the import of story.json" under the import button, "Ari was removed. Undo
// the removal of Ari" where the list ends; a kept answer's card has its own Undo button. Ctrl+Z
// (⌘Z) outside a text box undoes the last action of all; inside one it stays the browser's undo
// of the typing. Nothing floats over the page, so no offer ever covers the writer's work.
import { h } from './dom.mjs';

export class UndoOffers {
  constructor(history) {
    this.history = history;
    this.updates = new Map(); // entry -> shows an undo's outcome in its offer
    // Says what Ctrl+Z did to those who cannot see the text change back.
    this.announcer = h('p', { id: 'undo-announcer', class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
    document.body.append(this.announcer);
    document.addEventListener('keydown', (event) => {
      if (event.key.toLowerCase() !== 'z' || !(event.ctrlKey || event.metaKey) || event.shiftKey || event.altKey) return;
      if (isTextControl(event.target) || document.querySelector('dialog[open]')) return;
      if (!this.history.last) return;
      event.preventDefault();
      this.undo();
    });
  }

  /** Records an action (see UndoHistory.record); returns its entry. */
  record(action) {
    return this.history.record(action);
  }

  /** Undoes `entry` (the last action by default): `{ done, message }`, also shown in its offer. */
  undo(entry = this.history.last) {
    const outcome = this.history.undo(entry ?? undefined);
    this.announcer.textContent = outcome.message;
    this.updates.get(entry)?.(outcome);
    if (outcome.done) this.updates.delete(entry);
    return outcome;
  }

  /** Records an action and returns an offer to undo it: `message` and a button "Undo <label>". */
  offer(action, message) {
    const entry = this.record(action);
    const text = h('span', {}, message);
    const refusal = h('span', { class: 'run-hint' });
    const button = h('button', { type: 'button', class: 'quiet undo', onClick: () => this.undo(entry) }, `Undo ${entry.label}`);
    this.updates.set(entry, ({ done, message: said }) => {
      if (done) {
        text.textContent = said;
        refusal.textContent = '';
        button.remove();
      } else {
        refusal.textContent = said;
      }
    });
    return h('p', { class: 'undo-offer', role: 'status' }, text, ' ', button, ' ', refusal);
  }
}

function isTextControl(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color'].includes(target.type);
}
