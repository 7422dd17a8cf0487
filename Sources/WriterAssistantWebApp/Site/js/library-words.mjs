// The library's records in a writer's words: what a version changed, where a search hit is, what
// an answer said, when something happened. Plain text only: the views put it in text nodes.
import { countWords, wordsOf } from './words.mjs';

const partNames = {
  title: 'the title',
  plotPoint: 'the plot point',
  raters: 'the raters',
  systemPrompts: 'the system prompts',
  worldbuilding: 'the worldbuilding',
  storySummary: 'the summary',
  plotContext: 'the outline',
};

/** One change of a version: "chapter 3 “The Letter” changed", "the title changed to “Salt”". */
export function describeChange({ part, change, chapter, name }) {
  if (part === 'chapter' || part === 'character') return `${describePlace({ place: part, chapter, name })} ${change}`;
  if (part === 'title' && change === 'changed' && name) return `the title changed to \u201c${name}\u201d`;
  return `${partNames[part] ?? part} ${change}`;
}

/** What a version changed, in one line ("nothing" for a save that changed nothing). */
export function describeChanges(changes = []) {
  if (!changes.length) return 'nothing changed';
  const said = changes.map(describeChange);
  return said.length > 6 ? `${said.slice(0, 6).join('; ')}; and ${said.length - 6} more` : said.join('; ');
}

/** Where a search hit is: "chapter 2 “The Weir”", "the worldbuilding", "character “Mara”". */
export function describePlace({ place, chapter, name }) {
  if (place === 'chapter') return `chapter ${chapter ?? '?'}${name ? ` \u201c${name}\u201d` : ''}`;
  if (place === 'character') return `character \u201c${name || 'Unnamed'}\u201d`;
  return { worldbuilding: 'the worldbuilding', storySummary: 'the summary', plotOutline: 'the outline' }[place] ?? place;
}

export const operationNames = {
  'rater-feedback': 'Rater feedback',
  'character-feedback': 'Character in the scene',
  'editor-review': 'Editor review',
  'generate-chapter': 'New chapter',
  'modify-chapter': 'Chapter revision',
  'flesh-out': 'Flesh out',
  'generate-character-details': 'New character',
  chat: 'Talk about the story',
};

/**
 * A kept answer in a few lines: `{ heading, details, lines }` — what it was, who and which
 * chapter; when, on which version, by which model; and what it said, a line per point.
 */
export function describeAnswer(answer, { now = Date.now() } = {}) {
  const headingParts = [operationNames[answer.operation] ?? answer.operation];
  if (answer.rater) headingParts.push(answer.rater);
  if (answer.chapter !== undefined && answer.chapter !== null) headingParts.push(`chapter ${answer.chapter}`);
  const details = [when(answer.createdAt, now), `on version ${answer.version}`];
  if (answer.model) details.push(answer.model);
  if (Number.isFinite(answer.processingTime)) details.push(`${answer.processingTime.toFixed(1)} s`);
  return { heading: headingParts.join(' \u00b7 '), details: details.join(' \u00b7 '), lines: resultLines(answer.operation, answer.result ?? {}) };
}

/** What an operation's result said, a line per point. */
export function resultLines(operation, result) {
  const text = (value) => (typeof value === 'string' ? value.trim() : '');
  const list = (value) => (Array.isArray(value) ? value : []);
  switch (operation) {
    case 'rater-feedback':
      return [text(result.feedback?.opinion), ...list(result.feedback?.suggestions).map((item) => `\u2022 ${text(typeof item === 'string' ? item : item?.suggestion)}`)].filter(nonEmpty);
    case 'editor-review':
      return list(result.suggestions).map((item) => `\u2022 ${[item?.priority ? `[${item.priority}]` : '', text(item?.issue), text(item?.suggestion)].filter(Boolean).join(' ')}`);
    case 'generate-chapter':
      return [`${wordsOf(countWords(result.chapterText))}: ${excerpt(text(result.chapterText))}`];
    case 'modify-chapter':
      return [text(result.changesSummary), `${wordsOf(countWords(result.modifiedChapter))}: ${excerpt(text(result.modifiedChapter))}`].filter(nonEmpty);
    case 'flesh-out':
      return [`${wordsOf(countWords(result.fleshedOutText))}: ${excerpt(text(result.fleshedOutText))}`];
    case 'character-feedback':
      return Object.entries(result.feedback ?? {})
        .map(([part, value]) => `${part}: ${list(Array.isArray(value) ? value : [value]).map((item) => text(String(item ?? ''))).filter(Boolean).join('; ')}`);
    case 'chat':
      return [excerpt(text(result.reply))].filter(nonEmpty);
    case 'generate-character-details':
      return [[text(result.name), text(result.personality)].filter(Boolean).join(': ')].filter(nonEmpty);
    default:
      return [excerpt(JSON.stringify(result))];
  }
}

/** "just now", "5 min ago", "3 h ago", else the date and time. */
export function when(iso, now = Date.now()) {
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return '';
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(time).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}

function excerpt(text, length = 160) {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1).trimEnd()}\u2026` : flat;
}

function nonEmpty(line) {
  return line !== '';
}
