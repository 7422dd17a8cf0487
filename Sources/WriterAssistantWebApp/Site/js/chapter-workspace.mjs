// The chapter workspace: one chapter of the story bible (or a new one, kept as a draft in this
// browser) in a text area, and the model's help with it — write the next chapter from the plot
// point, revise a chapter as asked, flesh out a passage, an editor's review whose suggestions
// select the passage they are about, and each character's experience of the scene. What the
// writer keeps goes into the story bible through `onBibleChange`, which saves it.
import { operations } from './api.mjs';
import { h } from './dom.mjs';
import { describeLength, readChapter, shortOfAsked } from './chapter-text.mjs';
import { JobPanel } from './job-panel.mjs';
import { locatePassage, locateWords, replaceSelection } from './passage.mjs';
import { scrollToPosition } from './text-position.mjs';
import { normalizeCharacterFeedback, previewChapterChange, previewCharacterFeedback, previewReview } from './partial-json.mjs';
import { replacementWarnings } from './revision-check.mjs';
import { appendChapter, contextFor, replaceChapterContent, toStructuredContext } from './store.mjs';
import { capitalized, undoTextChange } from './undo-history.mjs';
import * as show from './workspace-results.mjs';
import { countWords, wordsOf } from './words.mjs';

/** The chapter lengths the server accepts (`targetWords`), in words. */
const targetWordRange = [50, 5000];
/** How the server ends prose that reached its token limit. */
const cutBack = 'cut at the token limit, back to its last complete sentence';
/**
 * Whether an answer the token limit cut off is shorter than the text it would replace: keeping
 * it would lose the end of the chapter. (A cut-off answer that is as long is a model that ran on.)
 */
function cutShort(result, text, original) {
  return Boolean(result.context_metadata?.truncated) && countWords(text) < 0.8 * countWords(original);
}

/** Why an answer cut off at the token limit may not replace a whole chapter. */
const tooLongToKeep = 'The answer reached the token limit before the end of the chapter, so keeping it would shorten '
  + 'the chapter. Work on a shorter part (select a passage), or ask the server for longer answers (--chapter-max-tokens).';

export class ChapterWorkspace {
  /**
   * - `getBible()`: the story bible as it is now (an import replaces it);
   * - `store`: keeps the workspace's draft and chosen chapter;
   * - `gate`: the connection gate the raters use too;
   * - `plotPoint`: the page's plot point text area;
   * - `onBibleChange({ chapter })` after a chapter changed, `({ added })` after one was added,
   *   `({ removed })` after one was taken out (a kept chapter undone);
   * - `onFinished()` after every request;
   * - `undo`: the page's UndoOffers, which records every Keep so it can be undone;
   * - `prepareRequest(body, job)`: makes the body sent (see JobPanel).
   */
  constructor(container, { getBible, store, gate, plotPoint, onBibleChange, onFinished, undo, prepareRequest }) {
    this.container = container;
    this.getBible = getBible;
    this.store = store;
    this.plotPoint = plotPoint;
    this.onBibleChange = onBibleChange;
    this.ready = true;
    this.panel = new JobPanel({ idPrefix: 'workspace', gate, undo, prepare: prepareRequest, onFinished: () => {
      this.#updateControls();
      onFinished?.();
    } });
    const saved = store.loadWorkspace();
    this.draft = { title: saved.draftTitle, text: saved.draftText };
    this.chapter = saved.chapterIndex === null ? null : getBible().previousChapters[saved.chapterIndex] ?? null;
  }

  get bible() {
    return this.getBible();
  }

  render() {
    this.chapterSelect = h('select', { id: 'workspace-chapter', onChange: () => {
      const value = this.chapterSelect.value;
      this.#show(value === 'new' ? null : this.bible.previousChapters[Number(value)] ?? null);
    } });
    this.titleInput = h('input', { id: 'workspace-title', type: 'text', autocomplete: 'off', onInput: () => {
      if (this.chapter) {
        this.chapter.title = this.titleInput.value;
        this.onBibleChange({ chapter: this.chapter });
        this.#renderChapterOptions();
      } else {
        this.draft.title = this.titleInput.value;
        this.#persist();
      }
    } });
    this.textArea = h('textarea', { id: 'workspace-text', rows: 14, 'aria-describedby': 'workspace-text-hint', onInput: () => {
      if (this.chapter) {
        this.chapter.content = this.textArea.value;
        this.onBibleChange({ chapter: this.chapter });
      } else {
        this.draft.text = this.textArea.value;
        this.#persist();
      }
      this.#updateWordCount();
    } });
    this.textHint = h('p', { id: 'workspace-text-hint', class: 'hint' });
    this.wordCount = h('span', { id: 'workspace-words', class: 'save-status' });
    this.saveButton = h('button', { type: 'button', id: 'workspace-save', onClick: () => this.#saveDraft() }, 'Add to the story bible');

    this.targetWords = h('input', { id: 'target-words', type: 'number', min: targetWordRange[0], max: targetWordRange[1], step: 10, placeholder: 'the server\u2019s choice', inputmode: 'numeric' });
    this.generateButton = h('button', { type: 'button', id: 'generate-chapter', class: 'primary', onClick: () => this.generateChapter() }, 'Write the chapter');
    this.changeRequest = h('textarea', { id: 'change-request', rows: 2, placeholder: 'Make the ending darker; give Tomas a line of dialogue\u2026', onKeydown: (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) this.modifyChapter();
    } });
    this.revisionRounds = h('select', { id: 'revision-rounds' },
      h('option', { value: '' }, 'No: one revision'),
      h('option', { value: '2' }, 'Yes, up to 2 rounds'),
      h('option', { value: '3' }, 'Yes, up to 3 rounds'));
    this.modifyButton = h('button', { type: 'button', id: 'modify-chapter', onClick: () => this.modifyChapter() }, 'Ask for changes');
    this.fleshOutNote = h('input', { id: 'flesh-out-note', type: 'text', placeholder: 'the smell of the forge, her hesitation\u2026' });
    this.fleshOutButton = h('button', { type: 'button', id: 'flesh-out', onClick: () => this.fleshOut() }, 'Flesh out the selection');
    this.reviewButton = h('button', { type: 'button', id: 'editor-review', onClick: () => this.editorReview() }, 'Ask the editor');
    this.characterSelect = h('select', { id: 'character-select' });
    this.characterButton = h('button', { type: 'button', id: 'character-feedback', onClick: () => this.characterFeedback() }, 'Ask the character');
    this.hint = h('p', { id: 'workspace-hint', class: 'run-hint', role: 'alert' });

    const field = (label, control, extra) => h('div', { class: 'field' }, h('label', { for: control.id }, label), control, extra);
    const tool = (id, title, ...content) => h('section', { class: 'tool', 'aria-labelledby': id }, h('h3', { id }, title), content);
    this.container.replaceChildren(h('div', { class: 'chapter-workspace' },
      h('div', { class: 'workspace-head' },
        field('Chapter', this.chapterSelect),
        field('Title', this.titleInput)),
      field('Text', this.textArea, this.textHint),
      h('div', { class: 'toolbar' }, this.wordCount, this.saveButton),
      this.panel.element,
      h('div', { class: 'tools' },
        tool('tool-generate-heading', 'Write the next chapter',
          h('p', { class: 'hint' }, 'From the plot point above and the story bible, as a new chapter.'),
          field('Length in words, 50 to 5,000 (optional)', this.targetWords),
          this.generateButton),
        tool('tool-modify-heading', 'Revise this chapter',
          field('What should change?', this.changeRequest),
          field('Check each change and revise again for what is missing?', this.revisionRounds),
          this.modifyButton),
        tool('tool-flesh-out-heading', 'Flesh out a passage',
          h('p', { class: 'hint' }, 'Select a paragraph in the text; without a selection, the whole chapter.'),
          field('What to add (optional)', this.fleshOutNote),
          this.fleshOutButton),
        tool('tool-review-heading', 'Editor\u2019s review',
          h('p', { class: 'hint' }, 'Suggestions by priority; those that quote the chapter select their passage.'),
          this.reviewButton),
        tool('tool-character-heading', 'Through a character\u2019s eyes',
          h('p', { class: 'hint' }, 'How one character lives the plot point: actions, words, body, feelings, thoughts.'),
          field('Character', this.characterSelect),
          this.characterButton)),
      this.hint));
    this.#renderCharacterOptions();
    this.#show(this.chapter);
  }

  /** The story bible changed elsewhere (typed into, imported): follow it. */
  bibleChanged() {
    if (!this.textArea) return;
    if (this.chapter && !this.bible.previousChapters.includes(this.chapter)) {
      this.#show(null);
    } else if (this.chapter) {
      this.#renderChapterOptions();
      if (this.textArea.value !== this.chapter.content) {
        this.textArea.value = this.chapter.content;
        this.#updateWordCount();
      }
      if (this.titleInput.value !== this.chapter.title) this.titleInput.value = this.chapter.title;
      this.#persist();
    } else {
      this.#renderChapterOptions();
    }
    this.#renderCharacterOptions();
  }

  /** Shows chapter `number` of the story bible (a search hit's), if it has one. */
  showChapter(number) {
    const chapter = this.bible.previousChapters.find((item) => item.number === number);
    if (chapter && this.textArea) this.#show(chapter);
    return Boolean(chapter);
  }

  /** Shows chapter `number` with `words` (a citation's) selected; false when it has no such chapter. */
  showPassage(number, words) {
    if (!this.showChapter(number)) return false;
    const found = locateWords(this.textArea.value, words);
    if (found) this.#select(found);
    else this.textArea.focus();
    return true;
  }

  /** The new chapter's draft, `{ title, text }` (not in the story bible until added there). */
  get draftState() {
    return { ...this.draft };
  }

  /** Replaces the new chapter's draft (an import, or its undo). */
  setDraft({ title, text }) {
    this.draft = { title, text };
    this.#persist();
    if (this.textArea && !this.chapter) this.#show(null);
  }

  /** Whether the server has a model to ask (the buttons are off while it has none). */
  setReady(ready) {
    this.ready = ready;
    this.#updateControls();
  }

  // --- The jobs ------------------------------------------------------------------------------

  generateChapter() {
    if (!this.#canStart()) return;
    if (this.plotPoint.value.trim() === '') return this.#problem('Write the plot point above first: the chapter is written from it.', this.plotPoint);
    const body = { plotPoint: this.plotPoint.value, structured_context: toStructuredContext(this.bible) };
    if (this.targetWords.value.trim() !== '') {
      const words = Number(this.targetWords.value);
      if (!Number.isInteger(words) || words < targetWordRange[0] || words > targetWordRange[1]) {
        return this.#problem(`Ask for ${targetWordRange[0]} to ${targetWordRange[1].toLocaleString('en')} words, or leave the length empty.`, this.targetWords);
      }
      body.targetWords = words;
    }
    // What the model writes is read as the server reads it: its top heading is the title (which
    // the server leaves out of chapterText, and the page keeps), and a heading after the prose
    // ends the chapter. Only what will be kept shows while it is written.
    let answer = '';
    const kept = (result) => {
      const chapter = readChapter(result.chapterText ?? '');
      return { title: chapter.title || readChapter(answer).title, text: chapter.text };
    };
    this.#run({
      operation: operations.generateChapter,
      body,
      title: 'A new chapter',
      preview: (text) => {
        answer = text;
        const chapter = readChapter(text, { writing: true });
        return chapter.title || chapter.text ? show.chapterDraft(chapter) : null;
      },
      show: (result) => {
        const chapter = kept(result);
        const truncated = Boolean(result.context_metadata?.truncated);
        // The server judges the length against the range it kept the model to, and says why a
        // chapter is out of it; a server before that is judged here.
        const serverNote = result.length?.note;
        const notes = [serverNote ?? describeLength({ text: chapter.text, asked: body.targetWords, truncated })];
        const cutAt = readChapter(answer).cutAt;
        if (cutAt && !serverNote) notes.push(`The model went on into another chapter (\u201c${cutAt}\u201d); only the first is kept.`);
        const short = body.targetWords !== undefined && countWords(chapter.text) < shortOfAsked * body.targetWords;
        const outOfRange = result.length?.withinTolerance === false;
        return show.chapterDraft(chapter, { notes, warn: truncated || short || outOfRange || cutAt !== null });
      },
      summary: (result) => wordsOf(countWords(kept(result).text)),
      truncatedNote: cutBack,
      keepLabel: 'Keep as a new chapter',
      keep: (result) => {
        const { title, text } = kept(result);
        const chapter = appendChapter(this.bible, { title, content: someText(text) });
        const added = { title: chapter.title, content: chapter.content };
        this.onBibleChange({ added: chapter });
        this.#show(chapter);
        return {
          message: `Added to the story bible as chapter ${chapter.number}.`,
          undo: { label: `the new chapter ${chapter.number}`, undo: () => this.#takeOut(chapter, added) },
        };
      },
    });
  }

  modifyChapter() {
    if (!this.#canStart()) return;
    const target = this.#target();
    if (target.text.trim() === '') return this.#problem('Write or pick a chapter first.', this.textArea);
    if (this.changeRequest.value.trim() === '') return this.#problem('Say what should change first.', this.changeRequest);
    const body = { currentChapter: target.text, userRequest: this.changeRequest.value, structured_context: contextFor(this.bible, target.chapter) };
    if (this.revisionRounds.value) body.maxRounds = Number(this.revisionRounds.value);
    this.#run({
      operation: operations.modifyChapter,
      chapter: target.chapter?.number,
      body,
      title: `Changes to ${target.name}`,
      preview: (answer) => {
        const change = previewChapterChange(answer);
        return change.changesSummary || change.modifiedChapter ? show.chapterChange(change) : null;
      },
      show: (result) => [
        h('h4', {}, 'What changed'),
        h('p', { class: 'changes-summary' }, result.changesSummary ?? ''),
        show.checkedChanges(result),
        show.comparison({
          before: target.text, beforeLabel: `${capitalized(target.name)}, before`,
          after: result.modifiedChapter ?? '', afterLabel: 'The revised chapter',
          warnings: replacementWarnings({ before: target.text, after: result.modifiedChapter ?? '', truncated: result.context_metadata?.truncated, what: target.name }),
        }),
      ],
      summary: (result) => wordsOf(result.wordCount),
      truncatedNote: cutBack,
      keepLabel: 'Keep the changes',
      keep: (result) => {
        // A revision cut short would shorten the chapter; one made of an older text would undo
        // what the writer typed since.
        if (cutShort(result, result.modifiedChapter, target.text)) throw new Error(tooLongToKeep);
        if (this.#target(target.chapter).text !== target.text) {
          throw new Error('The chapter has changed since; ask for the changes anew.');
        }
        const revised = someText(result.modifiedChapter);
        this.#setText(target, revised);
        return {
          message: `${capitalized(target.name)} now reads as revised.`,
          undo: { label: `the revision of ${target.name}`, undo: this.#undoText(target, target.text, revised) },
        };
      },
    });
  }

  fleshOut() {
    if (!this.#canStart()) return;
    const target = this.#target();
    const { selectionStart: start, selectionEnd: end } = this.textArea;
    const whole = start === end;
    const selection = whole
      ? { start: 0, end: target.text.length, text: target.text }
      : { start, end, text: target.text.slice(start, end) };
    if (selection.text.trim() === '') return this.#problem('Write or pick a chapter and select the passage to flesh out.', this.textArea);
    const body = { textToFleshOut: selection.text, structured_context: contextFor(this.bible, target.chapter) };
    if (this.fleshOutNote.value.trim() !== '') body.context = this.fleshOutNote.value.trim();
    this.#run({
      operation: operations.fleshOut,
      chapter: target.chapter?.number,
      body,
      title: whole ? `${capitalized(target.name)}, fleshed out` : 'The passage, fleshed out',
      preview: (text) => (text ? show.prose(text) : null),
      // The passage it replaces beside it, so the writer sees what goes and what comes.
      show: (result) => show.comparison({
        before: selection.text, beforeLabel: whole ? `${capitalized(target.name)}, before` : 'The passage, before',
        after: result.fleshedOutText ?? '', afterLabel: 'Fleshed out',
        warnings: replacementWarnings({ before: selection.text, after: result.fleshedOutText ?? '', truncated: result.context_metadata?.truncated, what: whole ? target.name : 'the passage' }),
      }),
      truncatedNote: cutBack,
      keepLabel: whole ? 'Replace the chapter text' : 'Replace the selection',
      keep: (result) => {
        if (whole && cutShort(result, result.fleshedOutText, target.text)) throw new Error(tooLongToKeep);
        const before = this.#target(target.chapter).text;
        const replaced = replaceSelection(before, selection, someText(result.fleshedOutText));
        if (!replaced) throw new Error('The selected passage has changed since; select it again and ask anew.');
        this.#setText(target, replaced.text);
        if (this.#isShowing(target)) this.textArea.setSelectionRange(replaced.start, replaced.end);
        return {
          message: whole ? 'The chapter text was replaced.' : 'The selection was replaced.',
          undo: { label: `the fleshed-out passage of ${target.name}`, undo: this.#undoText(target, before, replaced.text) },
        };
      },
    });
  }

  editorReview() {
    if (!this.#canStart()) return;
    const target = this.#target();
    if (target.text.trim() === '') return this.#problem('Write or pick a chapter first.', this.textArea);
    this.#run({
      operation: operations.editorReview,
      chapter: target.chapter?.number,
      body: { chapterToReview: target.text, structured_context: contextFor(this.bible, target.chapter) },
      title: `The editor on ${target.name}`,
      preview: (answer) => {
        const suggestions = previewReview(answer);
        return suggestions.length ? show.reviewPreview(suggestions) : null;
      },
      show: (result) => show.review(Array.isArray(result.suggestions) ? result.suggestions : [], {
        locate: (issue) => locatePassage(this.#target(target.chapter).text, issue) !== null,
        select: (issue) => this.#selectPassage(target, issue),
      }),
      summary: (result) => {
        const count = Array.isArray(result.suggestions) ? result.suggestions.length : 0;
        return `${count} suggestion${count === 1 ? '' : 's'}`;
      },
      truncatedNote: 'cut off at the token limit: the unfinished last suggestion was left out',
    });
  }

  characterFeedback() {
    if (!this.#canStart()) return;
    const name = this.characterSelect.value;
    if (!name) return this.#problem('Add characters to the story bible first.', null);
    if (this.plotPoint.value.trim() === '') return this.#problem('Write the plot point above first: the character lives that scene.', this.plotPoint);
    this.#run({
      operation: operations.characterFeedback,
      body: { characterName: name, plotPoint: this.plotPoint.value, structured_context: toStructuredContext(this.bible) },
      title: `${name} in this scene`,
      preview: (answer) => show.characterFeedback(previewCharacterFeedback(answer), { writing: true }),
      show: (result) => show.characterFeedback(normalizeCharacterFeedback(result.feedback)),
      truncatedNote: 'cut off at the token limit: the unfinished last entry was left out',
    });
  }

  // --- Helpers -------------------------------------------------------------------------------

  #canStart() {
    this.hint.textContent = '';
    if (!this.ready) {
      this.hint.textContent = 'The server has no model ready yet.';
      return false;
    }
    return !this.panel.running;
  }

  #problem(message, focus) {
    this.hint.textContent = message;
    focus?.focus();
  }

  #run(job) {
    this.panel.run(job);
    this.#updateControls();
  }

  /**
   * What a job works on: the chapter shown (or the draft, `chapter` null), its current text, and
   * a name for it. Given a chapter, that one instead of the one shown.
   */
  #target(chapter = this.chapter) {
    if (chapter) return { chapter, text: chapter.content, name: `chapter ${chapter.number}` };
    return { chapter: null, text: this.draft.text, name: 'the new chapter' };
  }

  #isShowing(target) {
    return target.chapter === this.chapter;
  }

  /** Replaces the text of a job's chapter (or the draft) with a kept answer. */
  #setText(target, text) {
    if (target.chapter) {
      if (!replaceChapterContent(this.bible, target.chapter, text)) throw new Error('That chapter is no longer in the story bible.');
      this.onBibleChange({ chapter: target.chapter });
    } else {
      this.draft.text = text;
      this.#persist();
    }
    if (this.#isShowing(target)) {
      this.textArea.value = text;
      this.#updateWordCount();
    }
  }

  /** The undo of a kept text: `before` back in the job's chapter (or draft), if it still reads `after`. */
  #undoText(target, before, after) {
    return undoTextChange({ name: target.name, read: () => this.#target(target.chapter).text, write: (text) => this.#setText(target, text), before, after });
  }

  /** Takes a kept chapter out of the bible again, unless the writer has worked on it since. */
  #takeOut(chapter, kept) {
    const name = `Chapter ${chapter.number}`;
    const chapters = this.bible.previousChapters;
    if (!chapters.includes(chapter)) throw new Error(`${name} is no longer in the story bible.`);
    if (chapter.content !== kept.content || chapter.title !== kept.title) {
      throw new Error(`${name} was edited since, so it stays in the story bible: undo those edits first, or remove it there.`);
    }
    chapters.splice(chapters.indexOf(chapter), 1);
    this.onBibleChange({ removed: chapter });
    if (this.chapter === chapter) this.#show(null);
    return `${name} was taken out of the story bible.`;
  }

  /** Selects the passage an issue quotes in its chapter, showing that chapter first if need be. */
  #selectPassage(target, issue) {
    if (target.chapter && !this.bible.previousChapters.includes(target.chapter)) return false;
    if (!this.#isShowing(target)) this.#show(target.chapter);
    const found = locatePassage(this.textArea.value, issue);
    if (!found) return false;
    this.#select(found);
    return true;
  }

  /** Selects `found` (a located passage) in the text shown, and brings it into view. */
  #select(found) {
    this.textArea.focus({ preventScroll: true });
    this.textArea.setSelectionRange(found.start, found.end, 'forward');
    // Selecting does not scroll a text area to its selection: the passage is brought into view.
    scrollToPosition(this.textArea, found.start);
  }

  #saveDraft() {
    this.hint.textContent = '';
    if (this.draft.text.trim() === '') return this.#problem('Write the chapter first.', this.textArea);
    const chapter = appendChapter(this.bible, { title: this.draft.title, content: this.draft.text });
    this.draft = { title: '', text: '' };
    this.onBibleChange({ added: chapter });
    this.#show(chapter);
  }

  #show(chapter) {
    this.chapter = chapter;
    this.#renderChapterOptions();
    this.titleInput.value = chapter ? chapter.title : this.draft.title;
    this.textArea.value = chapter ? chapter.content : this.draft.text;
    this.textHint.textContent = chapter
      ? `Changes are saved in the story bible as chapter ${chapter.number}.`
      : 'A new chapter stays a draft in this browser until you add it to the story bible.';
    this.saveButton.hidden = chapter !== null;
    this.#updateWordCount();
    this.#persist();
  }

  #renderChapterOptions() {
    const chapters = this.bible.previousChapters;
    const options = [h('option', { value: 'new' }, 'New chapter (draft)'),
      ...chapters.map((chapter, index) => h('option', { value: String(index) }, chapterName(chapter)))];
    this.chapterSelect.replaceChildren(...options);
    const index = chapters.indexOf(this.chapter);
    this.chapterSelect.value = index < 0 ? 'new' : String(index);
  }

  #renderCharacterOptions() {
    const names = [...new Set((toStructuredContext(this.bible).characters ?? []).map((character) => character.name))];
    const current = this.characterSelect.value;
    this.characterSelect.replaceChildren(...(names.length
      ? names.map((name) => h('option', { value: name }, name))
      : [h('option', { value: '' }, 'No characters in the story bible yet')]));
    if (names.includes(current)) this.characterSelect.value = current;
    this.#updateControls();
  }

  #updateControls() {
    if (!this.generateButton) return;
    const blocked = !this.ready || this.panel.running;
    for (const button of [this.generateButton, this.modifyButton, this.fleshOutButton, this.reviewButton]) button.disabled = blocked;
    this.characterButton.disabled = blocked || this.characterSelect.value === '';
  }

  #updateWordCount() {
    this.wordCount.textContent = wordsOf(countWords(this.textArea.value));
  }

  #persist() {
    const index = this.chapter ? this.bible.previousChapters.indexOf(this.chapter) : -1;
    this.store.saveWorkspace({ chapterIndex: index < 0 ? null : index, draftTitle: this.draft.title, draftText: this.draft.text });
  }
}

/** An answer's text, or an Error (shown by the Keep button) when there is none to keep. */
function someText(text) {
  if (typeof text !== 'string' || text.trim() === '') throw new Error('The answer holds no text to keep.');
  return text;
}

function chapterName(chapter) {
  return `Chapter ${chapter.number}${chapter.title ? `: ${chapter.title}` : ''}`;
}


