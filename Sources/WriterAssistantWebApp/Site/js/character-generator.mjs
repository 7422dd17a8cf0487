// Below the story bible's characters: a new character from a line or two of bio. The model fills
// in every field (name, age, personality, motivations, fears, appearance…) knowing the story
// and its other characters; the answer is checked (character-check.mjs), and Keep adds the
// character to the bible, where it can be edited.
import { operations } from './api.mjs';
import { h } from './dom.mjs';
import { JobPanel } from './job-panel.mjs';
import { parsePartialJson } from './partial-json.mjs';
import { checkCharacter } from './character-check.mjs';
import { characterFromDetails, toStructuredContext } from './store.mjs';
import { characterCheck, characterDetails } from './workspace-results.mjs';

export class CharacterGenerator {
  /**
   * `getBible()` gives the story bible as it is now, `onCreate(character)` adds a kept character
   * to it and `onRemove(character)` takes one out again (an undone keep), `onFinished()` runs
   * after every request, `undo` (the page's UndoOffers) records every keep, `prepareRequest`
   * makes the body sent (see JobPanel).
   */
  constructor({ getBible, gate, onCreate, onRemove, onFinished, undo, prepareRequest }) {
    this.getBible = getBible;
    this.onCreate = onCreate;
    this.onRemove = onRemove;
    this.ready = true;
    this.panel = new JobPanel({ idPrefix: 'character-details', gate, undo, prepare: prepareRequest, onFinished: () => {
      this.#updateControls();
      onFinished?.();
    } });
    this.bio = h('textarea', { id: 'character-bio', rows: 2, placeholder: 'A retired mirror-maker who owes the Council a debt\u2026' });
    this.button = h('button', { type: 'button', id: 'generate-character', onClick: () => this.generate() }, 'Create the character');
    this.hint = h('span', { id: 'character-generator-hint', class: 'run-hint', role: 'alert' });
    this.element = h('div', { class: 'character-generator' },
      h('div', { class: 'field' },
        h('label', { for: 'character-bio' }, 'Or describe a new character in a line or two, and let the model fill in the rest'),
        this.bio),
      h('div', { class: 'actions' }, this.button, this.hint),
      this.panel.element);
  }

  setReady(ready) {
    this.ready = ready;
    this.#updateControls();
  }

  generate() {
    this.hint.textContent = '';
    if (!this.ready) {
      this.hint.textContent = 'The server has no model ready yet.';
      return;
    }
    if (this.panel.running) return;
    const basicBio = this.bio.value.trim();
    if (basicBio === '') {
      this.hint.textContent = 'Write a short bio first.';
      this.bio.focus();
      return;
    }
    // The story's characters go in structured_context, which the server already tells the new
    // one apart from; `existingCharacters` is for others besides them, and the page has none.
    // Each answer is checked before it can join the bible: a name the story already has is
    // refused; a field that does not hold what it is for is shown ticked off, and left out
    // unless the writer ticks it.
    const checked = new Map(); // result -> { character, check, view }
    const review = (result) => {
      if (!checked.has(result)) {
        const character = characterFromDetails(result, basicBio);
        const check = checkCharacter(character, { existing: this.getBible().characters, bio: basicBio });
        checked.set(result, { character, check, view: characterCheck(check) });
      }
      return checked.get(result);
    };
    this.panel.run({
      operation: operations.generateCharacterDetails,
      body: { basicBio, structured_context: toStructuredContext(this.getBible()) },
      title: 'A new character',
      preview: (answer) => characterDetails(parsePartialJson(answer)),
      show: (result) => {
        const { check, view } = review(result);
        return [
          characterDetails(result, { flagged: check.flags.map((flag) => flag.field) }) ?? h('p', { class: 'hint' }, 'The model left every field empty.'),
          view.element,
        ];
      },
      keepLabel: 'Add to the characters',
      keepable: (result) => review(result).check.refused === null,
      keep: (result) => {
        const { character, view } = review(result);
        // The bible may have gained a character of that name since the answer came.
        const again = checkCharacter(character, { existing: this.getBible().characters, bio: basicBio });
        if (again.refused) throw new Error(again.refused);
        const leftOut = view.leftOut();
        for (const field of leftOut) character[field] = '';
        const kept = JSON.stringify(character);
        const name = character.name || 'The new character';
        this.onCreate(character);
        this.bio.value = '';
        return {
          message: `${name} was added to the story bible${leftOut.length ? `, without ${leftOut.length === 1 ? 'the flagged field' : `the ${leftOut.length} flagged fields`}` : ''}.`,
          undo: { label: `the new character ${name}`, undo: () => {
            const characters = this.getBible().characters;
            if (!characters.includes(character)) throw new Error(`${name} is no longer in the story bible.`);
            if (JSON.stringify(character) !== kept) throw new Error(`${name} was edited since, so they stay in the story bible: remove them there if you wish.`);
            this.onRemove(character);
            if (this.bio.value === '') this.bio.value = basicBio;
            return `${name} was taken out of the story bible.`;
          } },
        };
      },
    });
    this.#updateControls();
  }

  #updateControls() {
    this.button.disabled = !this.ready || this.panel.running;
  }
}
