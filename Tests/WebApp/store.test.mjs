import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRaters, emptyBible, normalizeBible, Store, toStructuredContext } from '../../Sources/WriterAssistantHTTP/WebApp/js/store.mjs';
import { readFile } from 'node:fs/promises';

class MemoryStorage {
  items = new Map();
  getItem(key) { return this.items.has(key) ? this.items.get(key) : null; }
  setItem(key, value) { this.items.set(key, String(value)); }
}

const example = JSON.parse(await readFile(new URL('../../examples/story.json', import.meta.url), 'utf8'));

test('the example story imports and exports as the same structured context', () => {
  const context = toStructuredContext(normalizeBible(example));
  assert.equal(context.characters.length, example.characters.length);
  assert.deepEqual(context.characters[0], example.characters[0]);
  assert.deepEqual(context.previousChapters, example.previousChapters);
  assert.deepEqual(context.plotContext, example.plotContext);
  assert.equal(context.worldbuilding.content, example.worldbuilding.content);
  assert.equal(context.worldbuilding.wordCount, example.worldbuilding.content.split(/\s+/).length);
});

test('a whole feedback request imports through its structured_context', () => {
  const bible = normalizeBible({ raterPrompt: 'x', plotPoint: 'y', structured_context: example });
  assert.equal(bible.storySummary.summary, example.storySummary.summary);
});

test('files of the wrong shape are refused with the place that is wrong', () => {
  assert.throws(() => normalizeBible([1, 2]), /JSON object/);
  assert.throws(() => normalizeBible({ characters: {} }), /characters should be a list/);
  assert.throws(() => normalizeBible({ characters: [{ name: 3, fears: [] }] }), /characters\[0\]\.fears should be text/);
  assert.throws(() => normalizeBible({ previousChapters: [{ number: 'one', content: '' }] }), /whole number/);
});

test('empty parts are left out of the request', () => {
  const bible = emptyBible();
  bible.characters.push({ name: '', basicBio: '  ' }, { name: '', fears: 'the dark' });
  bible.previousChapters.push({ number: 1, title: 'Empty', content: '' });
  assert.deepEqual(toStructuredContext(bible), { characters: [{ name: 'Unnamed character', fears: 'the dark' }] });
});

test('the store keeps the bible, raters and plot point, and starts with the default panel', () => {
  const store = new Store(new MemoryStorage());
  assert.deepEqual(store.loadRaters().map((rater) => rater.name), defaultRaters().map((rater) => rater.name));
  const bible = normalizeBible(example);
  assert.ok(store.saveBible(bible));
  assert.deepEqual(store.loadBible(), bible);
  store.savePlotPoint('Ari sings.');
  assert.equal(store.loadPlotPoint(), 'Ari sings.');
});

test('a storage that refuses writes is reported, and unreadable saved data falls back', () => {
  const full = { getItem: () => '{not json', setItem: () => { throw new Error('QuotaExceededError'); } };
  const store = new Store(full);
  assert.equal(store.saveBible(emptyBible()), false);
  assert.deepEqual(store.loadBible(), emptyBible());
});
