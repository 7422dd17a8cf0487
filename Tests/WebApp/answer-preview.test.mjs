import assert from 'node:assert/strict';
import { test } from 'node:test';
import { previewAnswer } from '../../Sources/WriterAssistantWebApp/Site/js/answer-preview.mjs';

const answer = '{"opinion": "A strong turn \\"with\\" stakes \u00e9 \\u00e9.", "suggestions": ["Cut the \\n prologue", "Name the song"]}';

test('a complete answer gives its opinion and suggestions', () => {
  assert.deepEqual(previewAnswer(answer), {
    opinion: 'A strong turn "with" stakes \u00e9 \u00e9.',
    suggestions: ['Cut the \n prologue', 'Name the song'],
  });
});

test('every prefix of an answer reads without error and only ever grows', () => {
  let previous = { opinion: '', suggestions: [] };
  for (let length = 0; length <= answer.length; length++) {
    const preview = previewAnswer(answer.slice(0, length));
    assert.ok(preview.opinion.startsWith(previous.opinion.trimEnd()) || previous.opinion === '', `opinion at ${length}`);
    assert.ok(preview.suggestions.length >= previous.suggestions.length, `suggestions at ${length}`);
    previous = preview;
  }
});

test('a half-written suggestion shows as far as it goes', () => {
  assert.deepEqual(previewAnswer('{"opinion": "Good.", "suggestions": ["Cut the pro'), {
    opinion: 'Good.',
    suggestions: ['Cut the pro'],
  });
  assert.deepEqual(previewAnswer('{"opin'), { opinion: '', suggestions: [] });
});
