import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replacementWarnings } from '../../Sources/WriterAssistantWebApp/Site/js/revision-check.mjs';

const words = (count) => Array.from({ length: count }, (_, index) => `word${index}`).join(' ');

test('a revision of 40 words for a chapter of 847 is flagged, with both lengths', () => {
  const [warning, ...rest] = replacementWarnings({ before: words(847), after: words(40), what: 'chapter 2' });
  assert.equal(warning, 'The new text is much shorter: 40 words in place of the 847 words of chapter 2 (5 %). Keeping it replaces all of chapter 2.');
  assert.deepEqual(rest, []);
});

test('under 60 % is much shorter; 60 % and more is not', () => {
  assert.equal(replacementWarnings({ before: words(100), after: words(59) }).length, 1);
  assert.deepEqual(replacementWarnings({ before: words(100), after: words(60) }), []);
  assert.deepEqual(replacementWarnings({ before: words(100), after: words(300) }), []);
  assert.deepEqual(replacementWarnings({ before: '', after: words(3) }), []);
});

test('an answer cut at the token limit is flagged whatever its length', () => {
  assert.deepEqual(replacementWarnings({ before: words(10), after: words(12), truncated: true }),
    ['The answer was cut at the token limit, so its end is missing.']);
  assert.equal(replacementWarnings({ before: words(100), after: words(10), truncated: true }).length, 2);
});
