// Reading answers the model is still writing: a revised chapter (`modify-chapter`), an editor's
// review, a character's feedback, cut at every point.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parsePartialJson, previewChapterChange, previewCharacterFeedback, previewReview,
} from '../../Sources/WriterAssistantWebApp/Site/js/partial-json.mjs';

const change = JSON.stringify({
  changesSummary: 'Darker ending; Tomas speaks.',
  modifiedChapter: 'Ari waited.\n\n"Go," Tomas said \u2014 "now." \u00e9\u{1f3b5}\\ done',
});

test('a complete modify-chapter answer gives its summary and chapter', () => {
  assert.deepEqual(previewChapterChange(change), JSON.parse(change));
});

test('every prefix of a modify-chapter answer reads, and each part only grows', () => {
  let previous = { changesSummary: '', modifiedChapter: '' };
  for (let length = 0; length <= change.length; length++) {
    const preview = previewChapterChange(change.slice(0, length));
    assert.ok(preview.changesSummary.startsWith(previous.changesSummary), `summary at ${length}`);
    assert.ok(preview.modifiedChapter.startsWith(previous.modifiedChapter), `chapter at ${length}`);
    previous = preview;
  }
  assert.deepEqual(previous, JSON.parse(change));
});

test('an answer cut mid-string shows the string so far; one with only the summary, the summary', () => {
  assert.deepEqual(previewChapterChange('{"changesSummary": "Cut the prol'), { changesSummary: 'Cut the prol', modifiedChapter: '' });
  assert.deepEqual(previewChapterChange('{"changesSummary": "Cut the prologue.", "modifiedCh'), { changesSummary: 'Cut the prologue.', modifiedChapter: '' });
  assert.deepEqual(previewChapterChange('{"changesSummary": "Cut.", "modifiedChapter": "'), { changesSummary: 'Cut.', modifiedChapter: '' });
  assert.deepEqual(previewChapterChange('{"changesSummary": "Cut.", "modifiedChapter": "It was'), { changesSummary: 'Cut.', modifiedChapter: 'It was' });
  assert.deepEqual(previewChapterChange(''), { changesSummary: '', modifiedChapter: '' });
  assert.deepEqual(previewChapterChange('{"chan'), { changesSummary: '', modifiedChapter: '' });
});

test('escapes are decoded, and never shown half-way', () => {
  assert.equal(previewChapterChange('{"modifiedChapter": "a\\nb\\t\\"c\\" \\u00e9\\/"}').modifiedChapter, 'a\nb\t"c" \u00e9/');
  assert.equal(previewChapterChange('{"modifiedChapter": "line\\').modifiedChapter, 'line');
  assert.equal(previewChapterChange('{"modifiedChapter": "caf\\u00').modifiedChapter, 'caf');
  // Half of a surrogate pair waits for the other half.
  assert.equal(previewChapterChange('{"modifiedChapter": "x\\ud83c').modifiedChapter, 'x');
  assert.equal(previewChapterChange('{"modifiedChapter": "x\\ud83c\\udfb5').modifiedChapter, 'x\u{1f3b5}');
});

test('text around the JSON, such as a Markdown fence, is ignored', () => {
  assert.deepEqual(previewChapterChange('```json\n{"changesSummary": "Shorter.", "modifiedChapter": "Ari ran."}\n```'),
    { changesSummary: 'Shorter.', modifiedChapter: 'Ari ran.' });
});

test('nested values, numbers and literals read as far as they go', () => {
  assert.deepEqual(parsePartialJson('{"a": [1, 2.5, -3e2, true, null], "b": {"c": "d"}, "e": fal'), { a: [1, 2.5, -300, true, null], b: { c: 'd' } });
  assert.deepEqual(parsePartialJson('[{"x": 1}, {"y": "z'), [{ x: 1 }, { y: 'z' }]);
  assert.deepEqual(parsePartialJson('{"age": 4'), { age: 4 });
  assert.equal(parsePartialJson('no JSON here'), undefined);
});

test('an editor review shows each suggestion as it is written', () => {
  const answer = '{"suggestions": [{"issue": "The line \\"he covered every mirror\\" is passive.", "suggestion": "Make it active.", "priority": "high"}, {"issue": "Slow op';
  assert.deepEqual(previewReview(answer), [
    { issue: 'The line "he covered every mirror" is passive.', suggestion: 'Make it active.', priority: 'high' },
    { issue: 'Slow op', suggestion: '', priority: '' },
  ]);
  assert.deepEqual(previewReview('[{"issue": "Bare list"'), [{ issue: 'Bare list', suggestion: '', priority: '' }]);
  assert.deepEqual(previewReview('{"suggestions": [{"priority": "low"'), []);
});

test('a character\'s feedback shows its parts, bare or wrapped in "feedback"', () => {
  const empty = { actions: [], dialog: [], physicalSensations: [], emotions: [], internalMonologue: [] };
  assert.deepEqual(previewCharacterFeedback('{"actions": ["Steps back"], "dialog": ["Wh'), { ...empty, actions: ['Steps back'], dialog: ['Wh'] });
  assert.deepEqual(previewCharacterFeedback('{"characterName": "Ari", "feedback": {"emotions": ["fear", ""], "internalMonologue": "Not again"'),
    { ...empty, emotions: ['fear'], internalMonologue: ['Not again'] });
  assert.deepEqual(previewCharacterFeedback(''), empty);
});
