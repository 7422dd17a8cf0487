// The story bible form. Every keystroke updates the bible object and hands it to `onChange`,
// which saves it; only adding or removing a character or chapter rebuilds part of the form.
import { fill, h, refreshWordCount, textField } from './dom.mjs';
import { characterFields, emptyChapter, emptyCharacter, nextChapterNumber } from './store.mjs';

export class BibleView {
  /**
   * `charactersExtra`, when given, is an element shown below the characters (the character
   * generator of the chapter workspace); `undo` (the page's UndoOffers) offers to undo every removal;
   * `onShortenBio(character)`, when given, adds "Shorten to a bio" to each character and returns
   * a hint to show beside it when the bio cannot be asked for; `plotExtra` is an element shown
   * below the plot outline (the chapter planner).
   */
  constructor(container, bible, onChange, { charactersExtra, plotExtra, undo, onShortenBio } = {}) {
    this.container = container;
    this.bible = bible;
    this.onChange = onChange;
    this.charactersExtra = charactersExtra;
    this.plotExtra = plotExtra;
    this.undo = undo;
    this.onShortenBio = onShortenBio;
    this.chapterRefreshers = new Map(); // chapter object -> puts its current values in its fields
    this.characterRefreshers = new Map(); // character object -> the same for a character
  }

  /** Shows the chapter plan changed elsewhere (a kept plan) and saves the bible. */
  chapterPlanChanged() {
    this.onChange(this.bible);
    this.renderChapterPlan();
  }

  /** Shows a character changed elsewhere (a kept bio) and saves the bible. */
  characterChanged(character) {
    this.onChange(this.bible);
    const refresh = this.characterRefreshers.get(character);
    if (refresh) refresh();
    else this.renderCharacters();
  }

  /**
   * Shows a chapter changed elsewhere (the chapter workspace) without redrawing the list, or
   * redraws it for a chapter it does not show yet.
   */
  chapterChanged(chapter) {
    const refresh = this.chapterRefreshers.get(chapter);
    if (refresh) refresh();
    else this.renderChapters();
  }

  /** Adds a character made elsewhere (the character generator) and opens it. */
  addCharacter(character) {
    this.bible.characters.push(character);
    this.onChange(this.bible);
    this.renderCharacters(this.bible.characters.length - 1);
  }

  /** Takes a character out (a generated one whose keep was undone). */
  removeCharacter(character) {
    const index = this.bible.characters.indexOf(character);
    if (index < 0) return;
    this.bible.characters.splice(index, 1);
    this.onChange(this.bible);
    this.renderCharacters();
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
    this.planSection = h('div', { id: 'chapter-plan' });
    this.container.replaceChildren(
      textField({ label: 'Title of the story', name: 'storyTitle', value: bible.title, hint: 'Names the file Export JSON writes; never sent to the model.', onInput: bind(bible, 'title') }),
      section('System prompts', false,
        h('p', { class: 'hint' }, 'Standing instructions for every rater: what to know about you and how to answer.'),
        textField({ label: 'Before the story (prefix)', name: 'mainPrefix', multiline: true, rows: 2, value: bible.systemPrompts.mainPrefix, onInput: bind(bible.systemPrompts, 'mainPrefix') }),
        textField({ label: 'After the story (suffix)', name: 'mainSuffix', multiline: true, rows: 2, value: bible.systemPrompts.mainSuffix, onInput: bind(bible.systemPrompts, 'mainSuffix') }),
        textField({ label: 'Assistant prompt', name: 'assistantPrompt', multiline: true, rows: 2, value: bible.systemPrompts.assistantPrompt, onInput: bind(bible.systemPrompts, 'assistantPrompt') })),
      section('Worldbuilding', true,
        textField({ label: 'The world', name: 'worldbuilding', multiline: true, rows: 5, words: true, placeholder: 'Places, history, rules of magic or technology\u2026', value: bible.worldbuilding.content, onInput: bind(bible.worldbuilding, 'content') })),
      section('Story summary', true,
        textField({ label: 'Summary so far', name: 'summary', multiline: true, rows: 4, words: true, value: bible.storySummary.summary, onInput: bind(bible.storySummary, 'summary') })),
      section('Characters', true, this.charactersSection, this.charactersExtra),
      section('Previous chapters', true, this.chaptersSection),
      section('Plot outline', true,
        textField({ label: 'Outline', name: 'plotOutline', multiline: true, rows: 4, words: true, value: bible.plotContext.plotOutline, onInput: bind(bible.plotContext, 'plotOutline') }),
        statusField(bible.plotContext, changed),
        this.planSection,
        this.plotExtra),
    );
    this.renderCharacters();
    this.renderChapters();
    this.renderChapterPlan();
  }

  /** The kept chapter plan, each chapter's title and summary, and a button that clears it. */
  renderChapterPlan() {
    const plot = this.bible.plotContext;
    const plan = plot.chapterPlan ?? [];
    if (plan.length === 0) {
      fill(this.planSection);
      return;
    }
    const clear = () => {
      const kept = plot.chapterPlan;
      plot.chapterPlan = [];
      this.chapterPlanChanged();
      fill(this.planSection, this.undo?.offer({ label: 'the cleared chapter plan', undo: () => {
        if (this.bible.plotContext !== plot || (plot.chapterPlan ?? []).length) throw new Error('A chapter plan was kept since, so the old one was not put back.');
        plot.chapterPlan = kept;
        this.chapterPlanChanged();
        return 'The chapter plan is back.';
      } }, 'The chapter plan was cleared.'));
    };
    fill(this.planSection,
      h('h4', {}, 'Chapter plan'),
      h('ol', { class: 'chapter-plan' }, plan.map((chapter) => h('li', { value: String(chapter.number) },
        h('strong', {}, chapter.title), chapter.summary ? ` \u2014 ${chapter.summary}` : ''))),
      h('button', { type: 'button', class: 'quiet danger', id: 'clear-chapter-plan', onClick: clear }, 'Clear the chapter plan'));
  }

  renderCharacters(focusIndex) {
    this.characterRefreshers = new Map();
    this.#renderList(this.charactersSection, this.bible.characters, focusIndex, {
      addLabel: 'Add a character',
      create: () => emptyCharacter(),
      item: (character, index, changed, renamed) => {
        const fields = characterFields.map(([field, label]) => textField({
          label, name: `character-${field}`, value: character[field], multiline: !shortCharacterFields.includes(field),
          rows: 2,
          onInput: (event) => {
            character[field] = event.target.value;
            changed();
          },
        }));
        this.characterRefreshers.set(character, () => {
          characterFields.forEach(([field], position) => {
            const control = fields[position].querySelector('input, textarea');
            if (control.value !== character[field]) control.value = character[field];
          });
          renamed();
        });
        if (this.onShortenBio) {
          const hint = h('span', { class: 'run-hint', role: 'alert' });
          fields.push(h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'shorten-bio', onClick: () => { hint.textContent = this.onShortenBio(character); } }, 'Shorten to a bio'),
            hint));
        }
        return { name: () => character.name.trim() || `Character ${index + 1}`, fields };
      },
    });
  }

  renderChapters(focusIndex) {
    const chapters = this.bible.previousChapters;
    this.chapterRefreshers = new Map();
    this.#renderList(this.chaptersSection, chapters, focusIndex, {
      addLabel: 'Add a chapter',
      create: () => emptyChapter(nextChapterNumber(chapters)),
      item: (chapter, index, changed, renamed) => {
        const numberId = `chapter-number-${index}`;
        const numberInput = h('input', { id: numberId, name: 'chapter-number', type: 'number', min: 0, step: 1, value: String(chapter.number), onInput: (event) => {
          const number = Number.parseInt(event.target.value, 10);
          if (Number.isInteger(number)) {
            chapter.number = number;
            changed();
          }
        } });
        const titleField = textField({ label: 'Title', name: 'chapter-title', value: chapter.title, onInput: (event) => {
          chapter.title = event.target.value;
          changed();
        } });
        const textFieldElement = textField({ label: 'Text', name: 'chapter-content', multiline: true, rows: 8, words: true, value: chapter.content, onInput: (event) => {
          chapter.content = event.target.value;
          changed();
        } });
        const fields = [h('div', { class: 'field narrow' }, h('label', { for: numberId }, 'Number'), numberInput), titleField, textFieldElement];
        this.chapterRefreshers.set(chapter, () => {
          if (numberInput.value !== String(chapter.number)) numberInput.value = String(chapter.number);
          const titleInput = titleField.querySelector('input');
          if (titleInput.value !== chapter.title) titleInput.value = chapter.title;
          const textArea = textFieldElement.querySelector('textarea');
          if (textArea.value !== chapter.content) {
            textArea.value = chapter.content;
            refreshWordCount(textArea);
          }
          renamed();
        });
        return { name: () => chapterName(chapter), fields };
      },
    });
  }

  /**
   * A list of collapsible entries, each with a remove button, and an add button below. Adding
   * or removing redraws the list; a new entry opens with its first field focused. `item(entry,
   * index, changed, renamed)` gives the entry's `fields` and its `name()`, which titles the entry
   * and its remove button ("Remove Maren Vell") and is read again whenever the entry changes.
   */
  #renderList(container, list, focusIndex, { addLabel, create, item }, notice = null) {
    const redraw = (focus, note) => this.#renderList(container, list, focus, { addLabel, create, item }, note);
    const items = list.map((entry, index) => {
      const title = h('span');
      const remove = h('button', { type: 'button', class: 'quiet danger', onClick: () => {
        const removedName = name();
        list.splice(index, 1);
        this.onChange(this.bible);
        // Where the list ends, until it is drawn again: the offer to put it back.
        redraw(undefined, this.undo?.offer({ label: `the removal of ${removedName}`, undo: () => {
          if (list !== this.bible.characters && list !== this.bible.previousChapters) {
            throw new Error(`The story bible was replaced since, so ${removedName} was not put back.`);
          }
          list.splice(Math.min(index, list.length), 0, entry);
          this.onChange(this.bible);
          redraw(Math.min(index, list.length - 1));
          return `${removedName} is back in the story bible.`;
        } }, `${removedName} was removed from the story bible.`));
      } });
      const renamed = () => {
        title.textContent = name();
        remove.textContent = `Remove ${name()}`;
      };
      const changed = () => {
        renamed();
        this.onChange(this.bible);
      };
      const { name, fields } = item(entry, index, changed, renamed);
      renamed();
      return h('details', { class: 'item', open: focusIndex === index || list.length <= 2 },
        h('summary', {}, title),
        fields,
        remove);
    });
    fill(container,
      items,
      notice,
      h('button', { type: 'button', class: 'add', onClick: () => {
        list.push(create());
        this.onChange(this.bible);
        redraw(list.length - 1);
      } }, addLabel));
    items[focusIndex]?.querySelector('input, textarea')?.focus();
  }
}

/** Character fields of a word or two, in one-line inputs; the others are text boxes. */
const shortCharacterFields = ['name', 'age', 'sex', 'gender'];

function chapterName(chapter) {
  return `Chapter ${chapter.number}${chapter.title.trim() ? `: ${chapter.title.trim()}` : ''}`;
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
