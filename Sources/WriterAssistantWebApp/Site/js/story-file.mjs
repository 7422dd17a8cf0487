// The file Export JSON writes and Import JSON reads: everything the page holds — the story
// bible with its title and system prompts, the plot point, the raters, the new chapter's draft.
// The story bible goes in as `structured_context`, so the file is a request body but for its
// rater and doubles as an API example. Import reads such a file, a file of the story bible alone
// (what Export wrote before) or a whole request body, and checks it all before anything is
// replaced, so a file that is not a story changes nothing.
import { wordsOf, countWords } from './words.mjs';
import { areDefaultRaters, hasText, isObject, normalizeBible, normalizeRaters, sameRaters, toStructuredContext } from './store.mjs';

export const storyFileFormat = 'writer-assistant-story';

/** The parts of a story bible as `structured_context` names them. */
const bibleParts = ['systemPrompts', 'worldbuilding', 'storySummary', 'characters', 'previousChapters', 'plotContext'];

/**
 * The file for the page's state: `{ bible, plotPoint, raters, draft }` (the draft, `{ title,
 * text }`, only when it holds something). Entries with no text at all are left out of the
 * story bible, as in every request.
 */
export function storyFile({ bible, plotPoint = '', raters = [], draft }) {
  const file = { format: storyFileFormat, version: 1 };
  if (hasText(bible.title)) file.title = bible.title;
  file.plotPoint = plotPoint;
  file.structured_context = toStructuredContext(bible);
  file.raters = raters.map(({ name, prompt, enabled }) => ({ name, prompt, enabled }));
  if (draft && (hasText(draft.title) || hasText(draft.text))) file.chapterDraft = { title: draft.title, text: draft.text };
  return file;
}

/** The file's name: the story's title as a slug ("the-glass-valley.json"), else story-bible.json. */
export function storyFileName(title = '') {
  const slug = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 80).replace(/^-+|-+$/g, '');
  return slug ? `${slug}.json` : 'story-bible.json';
}

/**
 * The parts of the page a file holds: `{ bible?, plotPoint?, raters?, draft? }`, each there only
 * when the file has it (so importing replaces only those). Throws an Error saying what is wrong
 * — not JSON, not a story, a part of the wrong type (named) — before anything is replaced.
 */
export function readStoryFile(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`it is not valid JSON (${error.message}).`);
  }
  if (!isObject(value)) throw new Error(`it holds ${kindOf(value)}, not a story (a JSON object).`);
  if (value.structured_context !== undefined && !isObject(value.structured_context)) {
    throw new Error('structured_context should be an object.');
  }
  const holdsBible = isObject(value.structured_context) || bibleParts.some((part) => value[part] !== undefined);
  const parts = {};
  if (holdsBible) {
    parts.bible = normalizeBible(value.structured_context ?? value);
    if (typeof value.title === 'string') parts.bible.title = value.title;
  }
  if (value.plotPoint !== undefined) {
    if (typeof value.plotPoint !== 'string') throw new Error('plotPoint should be text.');
    parts.plotPoint = value.plotPoint;
  }
  if (value.raters !== undefined) parts.raters = normalizeRaters(value.raters);
  if (value.chapterDraft !== undefined) {
    const draft = value.chapterDraft;
    if (!isObject(draft) || typeof (draft.title ?? '') !== 'string' || typeof (draft.text ?? '') !== 'string') {
      throw new Error('chapterDraft should be an object with a title and a text.');
    }
    parts.draft = { title: draft.title ?? '', text: draft.text ?? '' };
  }
  if (Object.keys(parts).length === 0) {
    const keys = Object.keys(value);
    throw new Error(`it is not a story: it has none of the parts of a story bible (${bibleParts.join(', ')})`
      + (keys.length ? `, only ${keys.slice(0, 5).map((key) => JSON.stringify(key)).join(', ')}${keys.length > 5 ? '\u2026' : ''}.` : '; it is empty.'));
  }
  if (parts.bible && isEmptyBible(parts.bible) && !hasText(parts.plotPoint) && !parts.raters?.length && !parts.draft) {
    throw new Error('its story bible is empty: there is nothing in it to import.');
  }
  return parts;
}

/** What a story bible holds, in a few words: "“Keld”, 2 characters, 2 chapters (58 words), worldbuilding". */
export function describeBible(bible) {
  const parts = [];
  if (hasText(bible.title)) parts.push(`\u201c${bible.title.trim()}\u201d`);
  const context = toStructuredContext(bible);
  if (context.characters) parts.push(countOf(context.characters.length, 'character'));
  if (context.previousChapters) {
    const words = context.previousChapters.reduce((total, chapter) => total + countWords(chapter.content), 0);
    parts.push(`${countOf(context.previousChapters.length, 'chapter')} (${wordsOf(words)})`);
  }
  if (context.worldbuilding) parts.push('worldbuilding');
  if (context.storySummary) parts.push('a summary');
  if (context.plotContext) parts.push('an outline');
  if (context.systemPrompts) parts.push('system prompts');
  return parts.length ? parts.join(', ') : 'nothing';
}

export function isEmptyBible(bible) {
  return !hasText(bible.title) && Object.keys(toStructuredContext(bible)).length === 0;
}

/**
 * What importing `incoming` (from `readStoryFile`) would replace of `current` (`{ bible,
 * plotPoint, raters, draft }`), one sentence a part, leaving out what would be lost: parts that
 * are empty, the same in the file, or (raters) the default panel. No sentences: nothing is lost.
 */
export function replacedByImport(current, incoming) {
  const lines = [];
  if (incoming.bible && !isEmptyBible(current.bible) && !sameJSON(current.bible, incoming.bible)) {
    lines.push(`The story bible (${describeBible(current.bible)}) is replaced by the file\u2019s (${describeBible(incoming.bible)}).`);
  }
  if (incoming.plotPoint !== undefined && hasText(current.plotPoint) && current.plotPoint !== incoming.plotPoint) {
    const next = hasText(incoming.plotPoint) ? `\u201c${excerpt(incoming.plotPoint)}\u201d` : 'an empty one';
    lines.push(`The plot point \u201c${excerpt(current.plotPoint)}\u201d is replaced by ${next}.`);
  }
  if (incoming.raters && !areDefaultRaters(current.raters) && !sameRaters(current.raters, incoming.raters)) {
    lines.push(`The raters (${namesOf(current.raters)}) are replaced by the file\u2019s (${namesOf(incoming.raters) || 'none'}).`);
  }
  const draft = current.draft;
  if (incoming.draft && draft && (hasText(draft.title) || hasText(draft.text)) && !sameJSON(draft, incoming.draft)) {
    lines.push(`The new chapter\u2019s draft (${wordsOf(countWords(draft.text))}) is replaced by the file\u2019s.`);
  }
  return lines;
}

function sameJSON(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function namesOf(raters) {
  return raters.map((rater) => rater.name.trim() || 'Unnamed rater').join(', ');
}

function excerpt(text, length = 60) {
  const flat = text.trim().replace(/\s+/g, ' ');
  return flat.length > length ? `${flat.slice(0, length - 1).trimEnd()}\u2026` : flat;
}

function countOf(count, noun) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function kindOf(value) {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}
