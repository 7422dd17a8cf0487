// What the chapter workspace shows of each operation's answer, while it is written and once it
// is complete: prose (a chapter, a fleshed-out passage), a revision and its summary, an editor's
// suggestions by priority, a character's experience of the scene, a generated character.
import { h } from './dom.mjs';
import { characterFeedbackParts } from './partial-json.mjs';
import { characterFields } from './store.mjs';
import { countWords, wordsOf } from './words.mjs';

/** Prose exactly as written (the element's textContent is the text itself). */
export function prose(text) {
  return h('div', { class: 'chapter-preview' }, text);
}

/**
 * A new chapter: its title, if the model gave one, then its text, and `notes` on its length or
 * what was cut from it, stressed (`warn`) when it is not what was asked.
 */
export function chapterDraft({ title, text }, { notes = [], warn = false } = {}) {
  return [
    title ? h('p', { class: 'chapter-title-preview' }, h('span', { class: 'hint' }, 'Title: '), title) : null,
    prose(text),
    notes.length ? h('div', { class: `chapter-notes${warn ? ' notice' : ''}`, role: 'note' }, notes.map((note) => h('p', {}, note))) : null,
  ];
}

/**
 * The text a Keep would replace and the new one, side by side (one above the other on a narrow
 * screen), each headed with its word count, and any `warnings` above them.
 */
export function comparison({ before, beforeLabel, after, afterLabel, warnings = [] }) {
  const side = (name, label, text) => comparisonSide(name, label, `(${wordsOf(countWords(text))})`, prose(text));
  return [
    warnings.length ? h('div', { class: 'notice replacement-warnings', role: 'alert' }, warnings.map((warning) => h('p', {}, warning))) : null,
    h('div', { class: 'comparison' }, side('before', beforeLabel, before), side('after', afterLabel, after)),
  ];
}

/** One side of a comparison (`data-side` `name`): `content`, headed by `label` and a `note` on it (its word count). */
export function comparisonSide(name, label, note, content) {
  return h('section', { class: 'comparison-side', 'data-side': name },
    h('h4', {}, label, ' ', h('span', { class: 'word-count-inline' }, note)),
    content);
}

/** A revised chapter: what changed, then the new text. Either may still be empty while written. */
export function chapterChange({ changesSummary = '', modifiedChapter = '' }) {
  return [
    h('h4', {}, 'What changed'),
    h('p', { class: 'changes-summary' }, changesSummary),
    modifiedChapter ? h('h4', {}, 'The revised chapter') : null,
    modifiedChapter ? prose(modifiedChapter) : null,
  ];
}

/**
 * What revise-until-done checked: how many of the requested changes the revision shows after how
 * many rounds (and which round's revision it is, when not the last), why the rounds stopped early,
 * then each change, made (with the words that show it) or missing. Null for an unchecked revision.
 */
export function checkedChanges({ changes, rounds, chosenRound, roundsNote }) {
  if (!Array.isArray(changes) || !rounds) return null;
  const made = changes.filter((change) => change.confirmed).length;
  const chosen = chosenRound && chosenRound !== rounds
    ? h('p', { class: 'hint chosen-round' }, `This is the revision of round ${chosenRound}, the one that made the most of the changes.`)
    : null;
  return h('section', { class: 'checked-changes' },
    h('h4', {}, `Checked after ${rounds} round${rounds === 1 ? '' : 's'}: ${made} of ${changes.length} changes made`),
    chosen,
    roundsNote ? h('p', { class: 'hint rounds-note' }, roundsNote) : null,
    h('ul', { class: 'change-list' }, changes.map((change) =>
      h('li', { class: 'checked-change', 'data-confirmed': String(Boolean(change.confirmed)) },
        h('span', { class: 'change-verdict' }, change.confirmed ? 'Made' : 'Missing'), ' ',
        h('span', { class: 'change-text' }, change.change ?? ''),
        change.passage ? h('q', { class: 'change-passage' }, change.passage) : null,
        change.removedPassage ? h('q', { class: 'change-passage removed' }, `Cut: ${change.removedPassage}`) : null))));
}

export const priorities = [
  ['high', 'High priority'],
  ['medium', 'Medium priority'],
  ['low', 'Low priority'],
  ['other', 'Other'],
];

function priorityOf(suggestion) {
  const priority = String(suggestion.priority ?? '').trim().toLowerCase();
  return priorities.some(([known]) => known === priority) ? priority : 'other';
}

/** An editor's suggestions while they are written: in the order they come. */
export function reviewPreview(suggestions) {
  return h('ul', { class: 'review-list' }, suggestions.map((suggestion) =>
    h('li', { class: 'review-item unlinked', 'data-priority': priorityOf(suggestion) },
      suggestion.issue ? h('p', { class: 'review-issue' }, suggestion.issue) : null,
      suggestion.suggestion ? h('p', { class: 'review-suggestion' }, suggestion.suggestion) : null)));
}

/**
 * An editor's suggestions grouped by priority, high first. `locate(issue)` says whether the
 * issue's passage is in the chapter; such an issue is a button calling `select(issue)`, which
 * returns false when the passage can no longer be found. Others are shown unlinked.
 */
export function review(suggestions, { locate, select }) {
  if (suggestions.length === 0) return h('p', { class: 'hint' }, 'The editor had nothing to suggest.');
  return priorities.map(([priority, label]) => {
    const group = suggestions.filter((suggestion) => priorityOf(suggestion) === priority);
    if (group.length === 0) return null;
    const headingId = `review-${priority}-heading`;
    return h('section', { class: 'review-group', 'data-priority': priority, 'aria-labelledby': headingId },
      h('h4', { id: headingId }, `${label} (${group.length})`),
      h('ul', { class: 'review-list' }, group.map((suggestion) => reviewItem(suggestion, priority, locate, select))));
  });
}

function reviewItem(suggestion, priority, locate, select) {
  const issue = suggestion.issue ?? '';
  const linked = Boolean(issue && locate(issue));
  const note = h('span', { class: 'run-hint', role: 'status' });
  const issueElement = linked
    ? h('button', { type: 'button', class: 'passage-link', title: 'Select this passage in the chapter', onClick: () => {
      note.textContent = select(issue) ? '' : 'This passage is no longer in the chapter.';
    } }, issue)
    : h('p', { class: 'review-issue' }, issue);
  return h('li', { class: `review-item${linked ? ' linked' : ' unlinked'}`, 'data-priority': priority },
    issueElement,
    h('p', { class: 'review-suggestion' }, suggestion.suggestion ?? ''),
    note);
}

const partLabels = {
  actions: 'Actions',
  dialog: 'Dialog',
  physicalSensations: 'Physical sensations',
  emotions: 'Emotions',
  internalMonologue: 'Internal monologue',
};

/**
 * A character's experience of the scene, part by part. While it is written (`writing`) only the
 * parts begun are shown; once complete all five are, an empty one saying so.
 */
export function characterFeedback(feedback, { writing = false } = {}) {
  const parts = characterFeedbackParts.filter((part) => !writing || feedback[part].length > 0);
  if (parts.length === 0) return null;
  return parts.map((part) => h('section', { class: 'character-part', 'data-part': part },
    h('h4', {}, partLabels[part]),
    feedback[part].length
      ? h('ul', {}, feedback[part].map((item) => h('li', {}, item)))
      : h('p', { class: 'hint' }, 'Nothing here.')));
}

/** A generated character's fields, as far as they are written; the `flagged` ones marked. */
export function characterDetails(details, { flagged = [] } = {}) {
  const rows = characterFields
    .filter(([field]) => details?.[field] !== undefined && details[field] !== null && String(details[field]).trim() !== '')
    .map(([field, label]) => {
      const mark = flagged.includes(field) ? { class: 'flagged' } : {};
      return [h('dt', mark, label), h('dd', { 'data-field': field, ...mark }, Array.isArray(details[field]) ? details[field].join('; ') : String(details[field]))];
    });
  return rows.length ? h('dl', { class: 'character-details' }, rows) : null;
}

/**
 * What the check of a generated character found (character-check.mjs): why it cannot be added,
 * or each flagged field with a box to keep it anyway. `{ element, leftOut() }`: `leftOut()`
 * lists the flagged fields the writer did not tick.
 */
export function characterCheck({ refused, flags }) {
  const boxes = flags.map(({ field }) => h('input', { type: 'checkbox', 'data-field': field, id: `character-check-${field}` }));
  const element = h('section', { class: 'character-check', 'aria-labelledby': 'character-check-heading' },
    h('h4', { id: 'character-check-heading' }, 'Checked before adding'),
    refused ? h('p', { class: 'notice', role: 'alert' }, `Not added: ${refused} Describe the character again for another answer.`) : null,
    !refused && flags.length === 0 ? h('p', { class: 'hint' }, 'A name of their own, and every field holds what it is for.') : null,
    flags.length ? h('ul', { class: 'character-flags' }, flags.map(({ message }, index) => h('li', {},
      h('span', {}, message), ' ',
      refused ? null : h('label', { for: boxes[index].id }, boxes[index], ' Keep it anyway')))) : null,
    flags.length && !refused ? h('p', { class: 'hint' }, 'A field not kept is left empty; fill it in the story bible.') : null);
  return { element, leftOut: () => boxes.filter((box) => !box.checked).map((box) => box.dataset.field) };
}
