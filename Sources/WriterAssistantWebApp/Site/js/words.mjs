// Words as a writer counts them, the same way the server does: runs of characters between
// spaces that hold a letter or a digit (a lone dash or asterisk is not a word). Every count the
// page shows comes from here, so the page and the server never disagree about a length.

/** The number of words in `text`. */
export function countWords(text) {
  if (typeof text !== 'string') return 0;
  let count = 0;
  for (const word of text.split(/\s+/)) if (/[\p{L}\p{N}]/u.test(word)) count += 1;
  return count;
}

/** "1 word", "412 words" (with a thousands separator from 1,000). */
export function wordsOf(count) {
  if (!Number.isFinite(count)) return '';
  return `${count.toLocaleString('en')} word${count === 1 ? '' : 's'}`;
}
