// The writer's story bible and panel of raters, kept in the browser. The story bible has the
// shape of the API's `structured_context`, so an exported file doubles as an API example.
import { keep } from './kept-json.mjs';
import { countWords } from './words.mjs';

const storageKeys = {
  bible: 'writer-assistant.story-bible',
  raters: 'writer-assistant.raters',
  plotPoint: 'writer-assistant.plot-point',
  workspace: 'writer-assistant.chapter-workspace',
};

/** Character fields the API accepts, with the label the page shows. */
export const characterFields = [
  ['name', 'Name'],
  ['basicBio', 'Bio'],
  ['age', 'Age'],
  ['sex', 'Sex'],
  ['gender', 'Gender'],
  ['personality', 'Personality'],
  ['motivations', 'Motivations'],
  ['fears', 'Fears'],
  ['relationships', 'Relationships'],
  ['physicalAppearance', 'Appearance'],
  ['usualClothing', 'Usual clothing'],
];

/**
 * An empty story bible. Its `title` names the story (and the exported file); it is the page's
 * own, never sent to the server, whose `structured_context` has no title.
 */
export function emptyBible() {
  return {
    title: '',
    systemPrompts: { mainPrefix: '', mainSuffix: '', assistantPrompt: '' },
    worldbuilding: { content: '' },
    storySummary: { summary: '' },
    characters: [],
    previousChapters: [],
    plotContext: { plotOutline: '', plotOutlineStatus: 'draft', chapterPlan: [] },
  };
}

export function emptyCharacter() {
  return Object.fromEntries(characterFields.map(([field]) => [field, '']));
}

export function emptyChapter(number) {
  return { number, title: '', content: '' };
}

/** The number a chapter added after `chapters` gets: one more than the highest (1 for the first). */
export function nextChapterNumber(chapters) {
  return chapters.reduce((highest, chapter) => Math.max(highest, chapter.number), 0) + 1;
}

/** Adds a chapter (a kept generated one, say) after the others, numbered next; returns it. */
export function appendChapter(bible, { title = '', content }) {
  const chapter = { number: nextChapterNumber(bible.previousChapters), title, content };
  bible.previousChapters.push(chapter);
  return chapter;
}

/**
 * Replaces the text of `chapter` (one of the bible's own chapter objects) with `content`, after
 * the writer kept a revision. False when the chapter is no longer in the bible.
 */
export function replaceChapterContent(bible, chapter, content) {
  if (!bible.previousChapters.includes(chapter)) return false;
  chapter.content = content;
  return true;
}

/**
 * The `structured_context` for work on one chapter: the bible with the chapters that come before
 * it as the previous chapters. Its own text goes with the request, and the chapters after it are
 * left out, since the model reads every chapter it is given as one that came before (and a story
 * read only up to the chapter keeps the cached start of the story all the same).
 */
export function contextFor(bible, chapter) {
  const chapters = bible.previousChapters;
  const position = chapter ? chapters.indexOf(chapter) : -1;
  if (position < 0) return toStructuredContext(bible);
  // In story order as the server lays chapters out: by number, then as listed.
  const before = (other, index) => other.number < chapter.number || (other.number === chapter.number && index < position);
  return toStructuredContext({ ...bible, previousChapters: chapters.filter(before) });
}

/**
 * A character of the bible from a `generate-character-details` result, every field as text
 * (the age may come as a number, a list as an array), with the bio it was made from.
 */
export function characterFromDetails(details, basicBio = '') {
  const character = emptyCharacter();
  for (const [field] of characterFields) {
    const value = details?.[field];
    if (typeof value === 'string') character[field] = value.trim();
    else if (typeof value === 'number' && Number.isFinite(value)) character[field] = String(value);
    else if (Array.isArray(value)) character[field] = value.filter((item) => typeof item === 'string').join('; ');
  }
  if (!character.basicBio) character.basicBio = basicBio.trim();
  return character;
}

/**
 * A complete story bible from parsed JSON: a `structured_context`, or a whole feedback request
 * holding one. Missing parts are filled in; anything of the wrong type is an error naming it.
 */
export function normalizeBible(value) {
  if (isObject(value) && isObject(value.structured_context)) value = value.structured_context;
  if (!isObject(value)) throw new Error('The file does not hold a story bible (a JSON object).');
  const bible = emptyBible();
  const text = (object, field, where) => {
    const item = object?.[field];
    if (item === undefined || item === null) return '';
    if (typeof item === 'number') return String(item);
    if (typeof item !== 'string') throw new Error(`${where}.${field} should be text.`);
    return item;
  };
  const section = (name) => {
    const item = value[name];
    if (item === undefined || item === null) return undefined;
    if (!isObject(item)) throw new Error(`${name} should be an object.`);
    return item;
  };
  const list = (name) => {
    const item = value[name];
    if (item === undefined || item === null) return [];
    if (!Array.isArray(item)) throw new Error(`${name} should be a list.`);
    return item.map((entry, index) => {
      if (!isObject(entry)) throw new Error(`${name}[${index}] should be an object.`);
      return entry;
    });
  };

  bible.title = text(value, 'title', 'story');
  const prompts = section('systemPrompts');
  for (const field of Object.keys(bible.systemPrompts)) bible.systemPrompts[field] = text(prompts, field, 'systemPrompts');
  bible.worldbuilding.content = text(section('worldbuilding'), 'content', 'worldbuilding');
  bible.storySummary.summary = text(section('storySummary'), 'summary', 'storySummary');
  bible.characters = list('characters').map((character, index) =>
    Object.fromEntries(characterFields.map(([field]) => [field, text(character, field, `characters[${index}]`)])));
  bible.previousChapters = list('previousChapters').map((chapter, index) => {
    const number = chapter.number ?? index + 1;
    if (!Number.isInteger(number)) throw new Error(`previousChapters[${index}].number should be a whole number.`);
    return { number, title: text(chapter, 'title', `previousChapters[${index}]`), content: text(chapter, 'content', `previousChapters[${index}]`) };
  });
  const plot = section('plotContext');
  bible.plotContext.plotOutline = text(plot, 'plotOutline', 'plotContext');
  bible.plotContext.plotOutlineStatus = text(plot, 'plotOutlineStatus', 'plotContext') || 'draft';
  bible.plotContext.chapterPlan = chapterPlanOf(plot?.chapterPlan);
  return bible;
}

/**
 * A kept chapter plan (`plotContext.chapterPlan`) from parsed JSON: each chapter's number and
 * title, its summary, characters and plot points (empty when missing); anything of the wrong type
 * is an error naming it.
 */
function chapterPlanOf(value) {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error('plotContext.chapterPlan should be a list.');
  return value.map((chapter, index) => {
    const where = `plotContext.chapterPlan[${index}]`;
    if (!isObject(chapter)) throw new Error(`${where} should be an object.`);
    if (!Number.isInteger(chapter.number)) throw new Error(`${where}.number should be a whole number.`);
    const texts = (field) => {
      const list = chapter[field] ?? [];
      if (!Array.isArray(list) || list.some((item) => typeof item !== 'string')) throw new Error(`${where}.${field} should be a list of text.`);
      return [...list];
    };
    for (const field of ['title', 'summary']) {
      if (chapter[field] !== undefined && chapter[field] !== null && typeof chapter[field] !== 'string') throw new Error(`${where}.${field} should be text.`);
    }
    return { number: chapter.number, title: chapter.title ?? '', summary: chapter.summary ?? '', characters: texts('characters'), plotPoints: texts('plotPoints') };
  });
}

/** The plot context as a request or a stored story holds it, or null when it holds nothing. */
export function plotContextOf(plot) {
  const plan = plot.chapterPlan ?? [];
  const statusOnly = plot.plotOutlineStatus && plot.plotOutlineStatus !== 'draft';
  if (!hasText(plot.plotOutline) && plan.length === 0 && !statusOnly) return null;
  return { plotOutline: plot.plotOutline, plotOutlineStatus: plot.plotOutlineStatus, ...(plan.length ? { chapterPlan: plan } : {}) };
}

/** The story bible as the API's `structured_context`, without the parts left empty. */
export function toStructuredContext(bible) {
  const context = contextTexts(bible);
  const characters = bible.characters
    .map((character) => pruned(character))
    .filter(Boolean)
    .map((character) => ({ ...character, name: character.name ?? 'Unnamed character' }));
  if (characters.length) context.characters = characters;
  const chapters = bible.previousChapters
    .filter((chapter) => hasText(chapter.content))
    .map((chapter) => ({ number: chapter.number, ...(hasText(chapter.title) ? { title: chapter.title } : {}), content: chapter.content }));
  if (chapters.length) context.previousChapters = chapters;
  const plan = bible.plotContext.chapterPlan ?? [];
  if (hasText(bible.plotContext.plotOutline) || plan.length) {
    context.plotContext = { plotOutline: bible.plotContext.plotOutline, plotOutlineStatus: bible.plotContext.plotOutlineStatus, ...(plan.length ? { chapterPlan: plan } : {}) };
  }
  return context;
}

/**
 * The system prompts, worldbuilding and summary of `bible` as a `structured_context` holds them
 * (in a request and in a stored story alike): those with text, each long text with its word count.
 */
export function contextTexts(bible) {
  const context = {};
  const prompts = pruned(bible.systemPrompts);
  if (prompts) context.systemPrompts = prompts;
  if (hasText(bible.worldbuilding.content)) {
    context.worldbuilding = { content: bible.worldbuilding.content, wordCount: countWords(bible.worldbuilding.content) };
  }
  if (hasText(bible.storySummary.summary)) {
    context.storySummary = { summary: bible.storySummary.summary, wordCount: countWords(bible.storySummary.summary) };
  }
  return context;
}

export function defaultRaters() {
  return [
    rater('Pacing editor', 'You are a developmental editor who cares about pacing. Judge whether this plot point moves the story at the right speed, where tension rises or sags, and what could be cut or expanded.'),
    rater('Character critic', 'You are a critic who cares most about characters. Judge whether everyone involved acts from their established motivations and fears, and whether the plot point changes someone.'),
    rater('Dialogue coach', 'You are a dialogue coach. Judge how the scene could reveal character and conflict through what people say and leave unsaid, and where speech would be stronger than narration.'),
    rater('Genre reader', 'You are a devoted reader of this story\u2019s genre. Say whether the plot point delivers what readers of the genre hope for, and where it feels familiar or fresh.'),
    rater('Continuity checker', 'You are a meticulous continuity editor. Check the plot point against the worldbuilding, the characters and the earlier chapters, and point out anything that contradicts them.', false),
  ];
}

export function rater(name, prompt, enabled = true) {
  return { id: newId(), name, prompt, enabled };
}

/** Raters read from a file: each needs a name and a prompt; anything else is an error naming it. */
export function normalizeRaters(value) {
  if (!Array.isArray(value)) throw new Error('raters should be a list.');
  return value.map((item, index) => {
    if (!isObject(item)) throw new Error(`raters[${index}] should be an object.`);
    for (const field of ['name', 'prompt']) {
      if (typeof item[field] !== 'string') throw new Error(`raters[${index}].${field} should be text.`);
    }
    return rater(item.name, item.prompt, item.enabled !== false);
  });
}

/** Raters kept earlier (in this browser, in the library): those with a name and a prompt. */
export function savedRaters(list) {
  return list
    .filter((item) => isObject(item) && typeof item.name === 'string' && typeof item.prompt === 'string')
    .map((item) => ({ id: typeof item.id === 'string' ? item.id : newId(), name: item.name, prompt: item.prompt, enabled: item.enabled !== false }));
}

/** Whether two panels have the same raters (names, prompts, enabled), ids aside. */
export function sameRaters(a, b) {
  const key = (list) => JSON.stringify(list.map(({ name, prompt, enabled }) => [name, prompt, enabled]));
  return key(a) === key(b);
}

/** Whether `raters` are the default panel as it comes (so replacing them loses nothing). */
export function areDefaultRaters(raters) {
  return sameRaters(raters, defaultRaters());
}

/** Reads and writes the page's state in `storage` (the browser's localStorage by default). */
export class Store {
  constructor(storage = globalThis.localStorage) {
    this.storage = storage;
  }

  loadBible() {
    const saved = this.#read(storageKeys.bible);
    if (saved === undefined) return emptyBible();
    try {
      return normalizeBible(saved);
    } catch {
      return emptyBible();
    }
  }

  loadRaters() {
    const saved = this.#read(storageKeys.raters);
    return Array.isArray(saved) ? savedRaters(saved) : defaultRaters();
  }

  loadPlotPoint() {
    const saved = this.#read(storageKeys.plotPoint);
    return typeof saved === 'string' ? saved : '';
  }

  /**
   * The chapter workspace: which chapter of the bible it shows (`chapterIndex`, null for a new
   * one) and the new chapter's draft, which is not in the bible until it is saved there.
   */
  loadWorkspace() {
    const saved = this.#read(storageKeys.workspace);
    const text = (value) => (typeof value === 'string' ? value : '');
    return {
      chapterIndex: Number.isInteger(saved?.chapterIndex) && saved.chapterIndex >= 0 ? saved.chapterIndex : null,
      draftTitle: text(saved?.draftTitle),
      draftText: text(saved?.draftText),
    };
  }

  /** Each save returns false when the browser refused it (storage full or disabled). */
  saveBible(bible) { return this.#write(storageKeys.bible, bible); }
  saveRaters(raters) { return this.#write(storageKeys.raters, raters); }
  savePlotPoint(text) { return this.#write(storageKeys.plotPoint, text); }
  saveWorkspace(workspace) { return this.#write(storageKeys.workspace, workspace); }

  #read(key) {
    try {
      const text = this.storage?.getItem(key);
      return text === null || text === undefined ? undefined : JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  #write(key, value) {
    return keep(this.storage, key, value);
  }
}

/** The fields of `object` that hold text, or null when none does. */
export function pruned(object) {
  const entries = Object.entries(object).filter(([, value]) => hasText(value));
  return entries.length ? Object.fromEntries(entries) : null;
}

export function hasText(value) {
  return typeof value === 'string' && value.trim() !== '';
}

export function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function newId() {
  return `rater-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
