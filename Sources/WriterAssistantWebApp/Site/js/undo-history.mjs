// What the writer can take back until they leave the page: every change made by a click rather
// than by typing (a kept answer, an import, a removal) records how to undo itself here. Typing
// has the browser's own undo inside each text box; this is the undo for everything else.

export class UndoHistory {
  #entries = [];

  /** `onChange()` runs after every record and undo (the undo bar follows it). */
  constructor({ onChange } = {}) {
    this.onChange = onChange;
  }

  /**
   * Records an action: `label` names it after "Undo" ("the revision of chapter 2"); `undo()`
   * puts things back and returns what to say, or throws an Error saying why it cannot;
   * `onUndone(message)`, when given, runs after a successful undo (a card offering Keep again).
   */
  record({ label, undo, onUndone }) {
    const entry = { label, undo, onUndone };
    this.#entries.push(entry);
    this.onChange?.();
    return entry;
  }

  /** The action Ctrl+Z and the undo bar take back next, or null. */
  get last() {
    return this.#entries.at(-1) ?? null;
  }

  get size() {
    return this.#entries.length;
  }

  has(entry) {
    return this.#entries.includes(entry);
  }

  /**
   * Undoes `entry` (the last action by default) and forgets it. An undo that refuses (things
   * changed since) stays recorded, so the writer can put things as they were and try again.
   * `{ done, message }`: what happened, in words.
   */
  undo(entry = this.last) {
    if (!this.has(entry)) return { done: false, message: 'There is nothing to undo.' };
    let message;
    try {
      message = entry.undo();
    } catch (error) {
      return { done: false, message: error.message };
    }
    this.#entries.splice(this.#entries.indexOf(entry), 1);
    const said = message ?? `Undid ${entry.label}.`;
    entry.onUndone?.(said);
    this.onChange?.();
    return { done: true, message: said };
  }
}

/**
 * The undo of a change to a text (a chapter, the draft) from `before` to `after`: puts `before`
 * back through `write` if the text (`read()`) is still `after`. Once the writer has edited it,
 * putting `before` back would lose those edits, so it refuses and says how to get there.
 */
export function undoTextChange({ name, read, write, before, after }) {
  return () => {
    if (read() !== after) {
      throw new Error(`${capitalized(name)} was edited since, so it was left as it is: undo those edits in the text first (Ctrl+Z there), then undo again.`);
    }
    write(before);
    return `${capitalized(name)} is back as it was.`;
  };
}

export function capitalized(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
