// "Shorten to a bio" on a character of the story bible: the model distills the character's whole
// sheet into one paragraph of a set length, shown beside the bio it would replace; Keep puts it in
// the character's Bio field, and Undo puts the old bio back while no one has edited it since.
import { operations } from './api.mjs';
import { h } from './dom.mjs';
import { JobPanel } from './job-panel.mjs';
import { toStructuredContext } from './store.mjs';
import { comparison } from './workspace-results.mjs';

export class BioShortener {
  /**
   * `getBible()` gives the story bible as it is now; `onChange(character)` is called when a kept
   * (or undone) bio changed a character; `undo`, `gate`, `prepareRequest` and `onFinished` as
   * for JobPanel.
   */
  constructor({ getBible, gate, onChange, onFinished, undo, prepareRequest }) {
    this.getBible = getBible;
    this.onChange = onChange;
    this.ready = true;
    this.words = h('input', { id: 'bio-words', type: 'number', min: 15, max: 250, step: 5, value: '60', 'aria-describedby': 'bio-words-hint' });
    this.panel = new JobPanel({ idPrefix: 'bio', gate, undo, prepare: prepareRequest, onFinished });
    this.element = h('div', { class: 'bio-shortener' },
      h('div', { class: 'field narrow' }, h('label', { for: 'bio-words' }, 'Words in a shortened bio'), this.words,
        h('p', { class: 'hint', id: 'bio-words-hint' }, '15 to 250.')),
      this.panel.element);
  }

  setReady(ready) {
    this.ready = ready;
  }

  /** Asks for `character`'s bio; returns a hint for the writer when it cannot be asked yet. */
  shorten(character) {
    if (!this.ready) return 'The server has no model ready yet.';
    if (this.panel.running) return 'A bio is being written: wait for it, or cancel it below the characters.';
    const name = character.name.trim();
    if (name === '') return 'Give the character a name first.';
    const words = Math.min(250, Math.max(15, Number.parseInt(this.words.value, 10) || 60));
    const before = character.basicBio ?? '';
    this.panel.run({
      operation: operations.regenerateBio,
      body: { character: { ...character, name }, words, structured_context: toStructuredContext(this.getBible()) },
      title: `A bio of ${name}`,
      preview: (answer) => h('p', { class: 'bio-preview' }, answer),
      summary: (result) => `${result.words} of at most ${words} words`,
      show: (result) => comparison({ before, beforeLabel: 'The bio now', after: result.bio, afterLabel: 'The shortened bio' }),
      keepLabel: 'Use as the bio',
      keep: (result) => {
        if (!this.getBible().characters.includes(character)) throw new Error(`${name} is no longer in the story bible.`);
        const previous = character.basicBio ?? '';
        character.basicBio = result.bio;
        this.onChange(character);
        return {
          message: `${name}'s bio was replaced.`,
          undo: { label: `${name}'s new bio`, undo: () => {
            if (character.basicBio !== result.bio) throw new Error(`${name}'s bio was edited since, so it stays.`);
            character.basicBio = previous;
            this.onChange(character);
            return `${name}'s bio is as it was.`;
          } },
        };
      },
    });
    return '';
  }
}
