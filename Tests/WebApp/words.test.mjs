import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countWords, wordsOf } from '../../Sources/WriterAssistantWebApp/Site/js/words.mjs';

test('words are runs between spaces that hold a letter or a digit', () => {
  assert.equal(countWords(''), 0);
  assert.equal(countWords('  \n '), 0);
  assert.equal(countWords('Ari sang — and the mirror * answered.'), 6);
  assert.equal(countWords('Line one\nline two\r\n\tthree 4'), 6);
  assert.equal(countWords('Élodie dit « non ».'), 3);
  assert.equal(countWords(undefined), 0);
});

test('counts read as words', () => {
  assert.equal(wordsOf(1), '1 word');
  assert.equal(wordsOf(0), '0 words');
  assert.equal(wordsOf(1234), '1,234 words');
  assert.equal(wordsOf(Number.NaN), '');
});
