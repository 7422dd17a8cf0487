// A chapter the model writes, read as the server reads it (ProseAnswer): headings on top are
// its title, not its text, and a heading after the prose — the model running on into
// "## Chapter 4" — ends it. The page reads the answer the same way while it is written, so it
// shows only what will be kept, and keeps the title the server leaves out of `chapterText`.
import { countWords } from './words.mjs';

/**
 * `{ title, text, cutAt }` of a chapter answer: the title its top headings give ('' for none,
 * or for a bare "Chapter 3"), the prose up to the next heading, and that heading (null when none
 * cut it). With `writing`, a last line still being written that may yet become a heading is
 * held back, so a heading never shows for a moment as prose.
 */
export function readChapter(answer, { writing = false } = {}) {
  const lines = (answer ?? '').replace(/\r\n?/g, '\n').split('\n');
  if (writing && lines.length && mayBecomeHeading(lines.at(-1))) lines.pop();
  const titles = [];
  while (lines.length && (lines[0].trim() === '' || isHeading(lines[0].trim()))) {
    const line = lines.shift().trim();
    if (line) titles.push(titleOf(line));
  }
  const next = lines.findIndex((line) => isHeading(line.trim()));
  const cutAt = next < 0 ? null : lines[next].trim();
  const text = (next < 0 ? lines : lines.slice(0, next)).join('\n').trim();
  return { title: titles.filter(Boolean).join(': '), text, cutAt };
}

/**
 * A Markdown heading with words (`# Title`, not a `#` or `###` scene break), or a short
 * "Chapter …" line not ending a sentence — the server's rule, word for word.
 */
export function isHeading(line) {
  const marks = /^#+/.exec(line)?.[0] ?? '';
  if (marks) {
    const rest = line.slice(marks.length);
    return rest.startsWith(' ') && /[\p{L}\p{N}]/u.test(rest);
  }
  const bare = line.replace(/^[*_]+/, '');
  return [...line].length < 60 && bare.toLowerCase().startsWith('chapter') && !line.endsWith('.');
}

/** A line still being written that could turn into a heading: "#", "## Chap", "**Cha". */
function mayBecomeHeading(line) {
  const trimmed = line.trim();
  if (trimmed === '') return false;
  if (trimmed.startsWith('#')) return true;
  const bare = trimmed.replace(/^[*_]+/, '').toLowerCase();
  return (bare === '' || 'chapter'.startsWith(bare) || bare.startsWith('chapter')) && [...trimmed].length < 60;
}

/** "# Chapter 3: The Lost Child" → "The Lost Child"; "**Chapter Three**" → "". */
function titleOf(heading) {
  return heading
    .replace(/^#+\s*/, '')
    .replace(/^[*_]+|[*_]+$/g, '')
    .replace(/^chapter\b\s*([\p{N}]+|[\p{L}-]+)?\s*[:.\u2013\u2014-]?\s*/iu, '')
    .trim();
}

/** Under this share of the words asked, a chapter is said to be short. */
export const shortOfAsked = 0.9;

/**
 * The length of a generated chapter in words a writer reads: how many of the words asked
 * (`asked`, optional), and why it stopped short when it did — the token limit (`truncated`)
 * or the model ending early.
 */
export function describeLength({ text, asked, truncated = false }) {
  const words = countWords(text);
  const number = (count) => count.toLocaleString('en');
  if (!asked) {
    const length = `${number(words)} word${words === 1 ? '' : 's'}`;
    return truncated ? `${length}: the token limit stopped the model, so the chapter ends at its last complete sentence.` : length;
  }
  if (truncated) {
    return `The token limit stopped the model at ${number(words)} words of the ${number(asked)} asked; the chapter ends at its last complete sentence.`;
  }
  if (words < shortOfAsked * asked) return `The model stopped at ${number(words)} words of the ${number(asked)} asked.`;
  return `${number(words)} of ${number(asked)} words asked`;
}
