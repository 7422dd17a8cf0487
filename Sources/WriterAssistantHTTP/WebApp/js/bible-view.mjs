// The story bible form. Every keystroke updates the bible object and hands it to `onChange`,
// which saves it; only adding or removing a character or chapter rebuilds part of the form.
import { h, textField } from './dom.mjs';
import { characterFields, emptyChapter, emptyCharacter } from './store.mjs';

export class BibleView {
  constructor(container, bible, onChange) {
    this.container = container;
    this.bible = bible;
    this.onChange = onChange;
  }

  /** Shows `bible` (after an import, say) in place of the current one. */
  show(bible) {
    this.bible = bible;
    this.render();
  }

  render() {
    const bible = this.bible;
    const changed = () => this.onChange(this.bible);
    const bind = (object, field) => (event) => {
      object[field] = event.target.value;
      changed();
    };
    this.charactersSection = h('div');
    this.chaptersSection = h('div');
    this.container.replaceChildren(
      section('System prompts', false,
        h('p', { class: 'hint' }, 'Standing instructions for every rater: what to know about you and how to answer.'),
        textField({ label: 'Before the story (prefix)', name: 'mainPrefix', multiline: true, rows: 2, value: bible.systemPrompts.mainPrefix, onInput: bind(bible.systemPrompts, 'mainPrefix') }),
        textField({ label: 'After the story (suffix)', name: 'mainSuffix', multiline: true, rows: 2, value: bible.systemPrompts.mainSuffix, onInput: bind(bible.systemPrompts, 'mainSuffix') }),
        textField({ label: 'Assistant prompt', name: 'assistantPrompt', multiline: true, rows: 2, value: bible.systemPrompts.assistantPrompt, onInput: bind(bible.systemPrompts, 'assistantPrompt') })),
      section('Worldbuilding', true,
        textField({ label: 'The world', name: 'worldbuilding', multiline: true, rows: 5, placeholder: 'Places, history, rules of magic or technology\u2026', value: bible.worldbuilding.content, onInput: bind(bible.worldbuilding, 'content') })),
      section('Story summary', true,
        textField({ label: 'Summary so far', name: 'summary', multiline: true, rows: 4, value: bible.storySummary.summary, onInput: bind(bible.storySummary, 'summary') })),
      section('Characters', true, this.charactersSection),
      section('Previous chapters', true, this.chaptersSection),
      section('Plot outline', true,
        textField({ label: 'Outline', name: 'plotOutline', multiline: true, rows: 4, value: bible.plotContext.plotOutline, onInput: bind(bible.plotContext, 'plotOutline') }),
        statusField(bible.plotContext, changed)),
    );
    this.renderCharacters();
    this.renderChapters();
  }

  renderCharacters(focusIndex) {
    const characters = this.bible.characters;
    const changed = () => this.onChange(this.bible);
    const items = characters.map((character, index) => {
      const title = h('span', {}, character.name || `Character ${index + 1}`);
      const fields = characterFields.map(([field, label]) => textField({
        label, name: `character-${field}`, value: character[field], multiline: field !== 'name' && field !== 'age',
        rows: 2,
        onInput: (event) => {
          character[field] = event.target.value;
          if (field === 'name') title.textContent = character.name || `Character ${index + 1}`;
          changed();
        },
      }));
      return h('details', { class: 'item', open: focusIndex === index || characters.length <= 2 },
        h('summary', {}, title),
        fields,
        h('button', { type: 'button', class: 'quiet danger', onClick: () => {
          characters.splice(index, 1);
          changed();
          this.renderCharacters();
        } }, `Remove ${character.name || 'this character'}`));
    });
    this.charactersSection.replaceChildren(
      ...items,
      h('button', { type: 'button', class: 'add', onClick: () => {
        characters.push(emptyCharacter());
        changed();
        this.renderCharacters(characters.length - 1);
      } }, 'Add a character'));
    focusFirstField(items[focusIndex]);
  }

  renderChapters(focusIndex) {
    const chapters = this.bible.previousChapters;
    const changed = () => this.onChange(this.bible);
    const items = chapters.map((chapter, index) => {
      const heading = () => `Chapter ${chapter.number}${chapter.title ? `: ${chapter.title}` : ''}`;
      const title = h('span', {}, heading());
      const numberId = `chapter-number-${index}`;
      return h('details', { class: 'item', open: focusIndex === index || chapters.length <= 2 },
        h('summary', {}, title),
        h('div', { class: 'field narrow' },
          h('label', { for: numberId }, 'Number'),
          h('input', { id: numberId, name: 'chapter-number', type: 'number', min: 0, step: 1, value: String(chapter.number), onInput: (event) => {
            const number = Number.parseInt(event.target.value, 10);
            if (Number.isInteger(number)) {
              chapter.number = number;
              title.textContent = heading();
              changed();
            }
          } })),
        textField({ label: 'Title', name: 'chapter-title', value: chapter.title, onInput: (event) => {
          chapter.title = event.target.value;
          title.textContent = heading();
          changed();
        } }),
        textField({ label: 'Text', name: 'chapter-content', multiline: true, rows: 8, value: chapter.content, onInput: (event) => {
          chapter.content = event.target.value;
          changed();
        } }),
        h('button', { type: 'button', class: 'quiet danger', onClick: () => {
          chapters.splice(index, 1);
          changed();
          this.renderChapters();
        } }, `Remove chapter ${chapter.number}`));
    });
    this.chaptersSection.replaceChildren(
      ...items,
      h('button', { type: 'button', class: 'add', onClick: () => {
        const number = chapters.reduce((highest, chapter) => Math.max(highest, chapter.number), 0) + 1;
        chapters.push(emptyChapter(number));
        changed();
        this.renderChapters(chapters.length - 1);
      } }, 'Add a chapter'));
    focusFirstField(items[focusIndex]);
  }
}

function section(title, open, ...content) {
  return h('details', { class: 'section', open }, h('summary', {}, h('h3', {}, title)), h('div', { class: 'section-body' }, content));
}

function statusField(plot, changed) {
  const id = 'plot-outline-status';
  const statuses = ['draft', 'in revision', 'final'];
  if (!statuses.includes(plot.plotOutlineStatus)) statuses.push(plot.plotOutlineStatus);
  return h('div', { class: 'field narrow' },
    h('label', { for: id }, 'Status'),
    h('select', { id, name: 'plotOutlineStatus', onChange: (event) => {
      plot.plotOutlineStatus = event.target.value;
      changed();
    } }, statuses.map((status) => h('option', { value: status, selected: status === plot.plotOutlineStatus }, status))));
}

function focusFirstField(item) {
  item?.querySelector('input, textarea')?.focus();
}
