import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UndoHistory, undoTextChange } from '../../Sources/WriterAssistantWebApp/Site/js/undo-history.mjs';

test('the last action is undone first, and each only once', () => {
  const done = [];
  let changes = 0;
  const history = new UndoHistory({ onChange: () => { changes += 1; } });
  const first = history.record({ label: 'the import', undo: () => { done.push('import'); return 'Back as before.'; } });
  history.record({ label: 'the revision of chapter 2', undo: () => { done.push('revision'); } });
  assert.equal(history.last.label, 'the revision of chapter 2');
  assert.deepEqual(history.undo(), { done: true, message: 'Undid the revision of chapter 2.' });
  assert.deepEqual(history.undo(), { done: true, message: 'Back as before.' });
  assert.deepEqual(done, ['revision', 'import']);
  assert.equal(history.undo().done, false);
  assert.equal(history.undo(first).done, false, 'an action is undone once');
  assert.equal(changes, 4);
});

test('a given action can be undone out of turn, and says so when it was undone', () => {
  const history = new UndoHistory();
  let undone = false;
  const kept = history.record({ label: 'the new chapter', undo: () => 'Removed.', onUndone: () => { undone = true; } });
  history.record({ label: 'the import', undo: () => 'Back.' });
  assert.equal(history.undo(kept).message, 'Removed.');
  assert.ok(undone);
  assert.equal(history.size, 1);
  assert.equal(history.last.label, 'the import');
});

test('an undo that refuses stays, so it can be tried again once things are put back', () => {
  let text = 'revised';
  const history = new UndoHistory();
  history.record({ label: 'the revision', undo: undoTextChange({ name: 'chapter 2', read: () => text, write: (value) => { text = value; }, before: 'original', after: 'revised' }) });
  text = 'revised, then edited';
  const refused = history.undo();
  assert.equal(refused.done, false);
  assert.match(refused.message, /^Chapter 2 was edited since, so it was left as it is/);
  assert.equal(text, 'revised, then edited');
  assert.equal(history.size, 1);
  text = 'revised';
  assert.deepEqual(history.undo(), { done: true, message: 'Chapter 2 is back as it was.' });
  assert.equal(text, 'original');
});
