// Finds the passage an editor's issue is about. Issues quote the chapter — in "straight",
// 'single' or “curly” quotes — but rarely exactly: the model changes quote marks and dashes,
// capitals and line breaks, and drops the end of a sentence after an ellipsis. This finds the
// quoted words in the chapter despite those differences and gives their place in the chapter's
// own text, so the page can select them; null when no quote is found there.

/** Quoted passages shorter than this (once normalised) are too common to point at anything. */
const shortestQuote = 4;

// Quote pairs. A straight single quote opens only after a non-letter and closes only before
// one, so the apostrophes of "Ari's" and "don't" are not taken for quotes.
const quotePatterns = [
  /"([^"]+)"/g,
  /\u201c([^\u201d]+)\u201d/g,
  /\u201e([^\u201c\u201d]+)[\u201c\u201d]/g,
  /\u00ab\s*([^\u00bb]+?)\s*\u00bb/g,
  /(?<![\p{L}\p{N}])\u2018(.+?)\u2019(?![\p{L}\p{N}])/gu,
  /(?<![\p{L}\p{N}])'(.+?)'(?![\p{L}\p{N}])/gu,
];

/** The texts quoted in `issue`, longest first. */
export function quotedPassages(issue) {
  const found = new Set();
  for (const pattern of quotePatterns) {
    for (const match of issue.matchAll(pattern)) {
      const quote = match[1].trim();
      if (quote) found.add(quote);
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * Where the passage `issue` quotes is in `chapter`: `{ start, end, quote }` with `start` and `end`
 * offsets into `chapter` (for `setSelectionRange`), or null. The longest quote that is found
 * wins; a quote with an ellipsis is looked for piece by piece.
 */
export function locatePassage(chapter, issue) {
  if (typeof chapter !== 'string' || typeof issue !== 'string' || chapter === '') return null;
  const haystack = normalize(chapter);
  for (const quote of quotedPassages(issue)) {
    for (const piece of searchPieces(quote)) {
      const needle = normalize(piece).text.trim();
      if (needle.length < shortestQuote) continue;
      const at = haystack.text.indexOf(needle);
      if (at < 0) continue;
      const start = haystack.starts[at];
      const end = haystack.ends[at + needle.length - 1];
      return { start, end, quote: chapter.slice(start, end) };
    }
  }
  return null;
}

/**
 * Where `words` (a citation's, exactly as the chapter has them but perhaps differently spaced) are
 * in `chapter`: `{ start, end }`, or null. Unlike an issue, a citation is all quote: quotation
 * marks inside it are the chapter's own.
 */
export function locateWords(chapter, words) {
  if (typeof chapter !== 'string' || typeof words !== 'string') return null;
  const haystack = normalize(chapter);
  const needle = normalize(words).text.trim();
  if (needle.length < shortestQuote) return null;
  const at = haystack.text.indexOf(needle);
  if (at < 0) return null;
  return { start: haystack.starts[at], end: haystack.ends[at + needle.length - 1] };
}

/** The quote itself, then without its end punctuation, then its pieces around ellipses. */
function searchPieces(quote) {
  const pieces = [quote];
  const trimmed = quote.replace(/^[\s.,;:!?\u2026\u2014\u2013-]+|[\s.,;:!?\u2026\u2014\u2013-]+$/g, '');
  if (trimmed !== quote) pieces.push(trimmed);
  const parts = trimmed.split(/\s*(?:\.\s?\.\s?\.|\u2026|\[\u2026\]|\[\.\.\.\])\s*/).filter(Boolean);
  if (parts.length > 1) pieces.push(...parts.sort((a, b) => b.length - a.length));
  return pieces;
}

// Every quote mark, single or double, counts as the same: an editor quoting a line of dialogue
// often turns its double quotes into single ones, or straightens curly ones.
const equivalents = {
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'", '`': "'", '\u00b4': "'",
  '"': "'", '\u201c': "'", '\u201d': "'", '\u201e': "'", '\u201f': "'", '\u2033': "'", '\u00ab': "'", '\u00bb': "'",
  '\u2013': '-', '\u2014': '-', '\u2012': '-', '\u2212': '-', '\u2010': '-', '\u2011': '-',
  '\u2026': '...', '\u00a0': ' ',
};

/**
 * `text` compared loosely: lower case, one quote mark and one dash, an ellipsis as three
 * dots, every run of white space as one space. `starts[i]` and `ends[i]` are the offsets in
 * `text` where the character that became the `i`th one of the result begins and ends.
 */
export function normalize(text) {
  let result = '';
  const starts = [];
  const ends = [];
  let inSpace = false;
  let index = 0;
  for (const char of text) {
    const width = char.length;
    if (/\s/u.test(char)) {
      if (!inSpace) {
        result += ' ';
        starts.push(index);
        ends.push(index + width);
      }
      inSpace = true;
    } else {
      inSpace = false;
      const replaced = (equivalents[char] ?? char).toLowerCase();
      for (let piece = 0; piece < replaced.length; piece++) {
        starts.push(index);
        ends.push(index + width);
      }
      result += replaced;
    }
    index += width;
  }
  return { text: result, starts, ends };
}

/**
 * `text` with the passage `selection` (`{ start, end, text }`, taken earlier) replaced by
 * `replacement`: `{ text, start, end }`, the new text and where the replacement now is. When the
 * writer has edited the chapter since, the selected words are looked for where they went (first
 * at their old place, then the nearest occurrence); null when they are gone.
 */
export function replaceSelection(text, selection, replacement) {
  let start = selection.start;
  if (text.slice(start, selection.end) !== selection.text) {
    const before = text.lastIndexOf(selection.text, start);
    const after = text.indexOf(selection.text, start);
    const candidates = [before, after].filter((at) => at >= 0);
    if (candidates.length === 0 || selection.text === '') return null;
    start = candidates.reduce((best, at) => (Math.abs(at - selection.start) < Math.abs(best - selection.start) ? at : best));
  }
  const end = start + selection.text.length;
  return { text: text.slice(0, start) + replacement + text.slice(end), start, end: start + replacement.length };
}
