// What a writer should know before a new text replaces theirs (a revised chapter, a fleshed-out
// passage): a model can answer a chapter of 847 words with 40, or stop at its token limit
// mid-scene, and a glance at two lengths catches what a glance at the text may not.
import { countWords, wordsOf } from './words.mjs';

/** A new text under this share of the old one's words is flagged as much shorter. */
export const muchShorter = 0.6;

/**
 * Warnings, in words, about replacing `before` with `after`: much shorter, or cut at the token
 * limit (`truncated`). `what` names the text replaced ("chapter 2", "the passage"). [] when none.
 */
export function replacementWarnings({ before, after, truncated = false, what = 'the chapter' }) {
  const old = countWords(before);
  const now = countWords(after);
  const warnings = [];
  if (old > 0 && now < muchShorter * old) {
    warnings.push(`The new text is much shorter: ${wordsOf(now)} in place of the ${wordsOf(old)} of ${what} `
      + `(${Math.round((100 * now) / old)} %). Keeping it replaces all of ${what}.`);
  }
  if (truncated) warnings.push('The answer was cut at the token limit, so its end is missing.');
  return warnings;
}
