import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  appendChapter, characterFromDetails, contextFor, defaultRaters, emptyBible, nextChapterNumber, normalizeBible,
  replaceChapterContent, Store, toStructuredContext,
} from '../../Sources/WriterAssistantWebApp/Site/js/store.mjs';
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

test('keeping a generated chapter appends it with the next number, and it is saved', () => {
  const store = new Store(new MemoryStorage());
  const bible = normalizeBible(example);
  assert.equal(nextChapterNumber(bible.previousChapters), 3);
  const chapter = appendChapter(bible, { content: 'Ari opened the door.' });
  assert.deepEqual(chapter, { number: 3, title: '', content: 'Ari opened the door.' });
  assert.equal(bible.previousChapters.at(-1), chapter);
  assert.ok(store.saveBible(bible));
  assert.deepEqual(store.loadBible().previousChapters.at(-1), chapter);
  assert.deepEqual(toStructuredContext(bible).previousChapters.at(-1), { number: 3, content: 'Ari opened the door.' });

  // Numbers follow the highest, not the count; an empty bible starts at 1.
  bible.previousChapters[0].number = 7;
  assert.equal(appendChapter(bible, { title: 'Eight', content: 'x' }).number, 8);
  assert.equal(appendChapter(emptyBible(), { content: 'x' }).number, 1);
});

test('keeping a revision replaces that chapter\'s text and nothing else', () => {
  const bible = normalizeBible(example);
  const [first, second] = bible.previousChapters;
  assert.ok(replaceChapterContent(bible, second, 'A new letter.'));
  assert.equal(second.content, 'A new letter.');
  assert.equal(second.title, example.previousChapters[1].title);
  assert.equal(first.content, example.previousChapters[0].content);
  const store = new Store(new MemoryStorage());
  store.saveBible(bible);
  assert.equal(store.loadBible().previousChapters[1].content, 'A new letter.');
  // A chapter removed from the bible meanwhile is not brought back.
  bible.previousChapters.splice(0, 1);
  assert.equal(replaceChapterContent(bible, first, 'Gone.'), false);
  assert.equal(bible.previousChapters.length, 1);
});

test('work on a chapter sends the chapters before it as the previous ones, not itself or later ones', () => {
  const bible = normalizeBible(example);
  assert.deepEqual(contextFor(bible, bible.previousChapters[1]).previousChapters.map((chapter) => chapter.number), [1]);
  const context = contextFor(bible, bible.previousChapters[0]);
  assert.equal(context.previousChapters, undefined);
  // Story order is by number, whatever the list's order: a chapter 3 listed after 4 and 5 comes before them.
  const reordered = normalizeBible({ ...example, previousChapters: [
    { number: 1, content: 'One.' }, { number: 4, content: 'Four.' }, { number: 5, content: 'Five.' }, { number: 3, content: 'Three.' },
  ] });
  const numbers = (target) => contextFor(reordered, target).previousChapters.map((chapter) => chapter.number);
  assert.deepEqual(numbers(reordered.previousChapters[3]), [1]);
  assert.deepEqual(numbers(reordered.previousChapters[1]), [1, 3]);
  assert.equal(context.characters.length, 2);
  assert.deepEqual(contextFor(bible, null), toStructuredContext(bible));
  assert.equal(bible.previousChapters.length, 2);
});

test('generated character details become a character of the bible, every field text', () => {
  const character = characterFromDetails({
    name: ' Mira ', sex: 'female', gender: 'woman', age: 52, personality: 'Wry', motivations: ['Pay her debt', 'Protect Ari'],
    fears: 'Mirrors', relationships: 'Owes the Council', physicalAppearance: 'Tall', usualClothing: 'A leather apron',
    context_metadata: { tokens: 3 },
  }, 'A retired mirror-maker.');
  assert.deepEqual(character, {
    name: 'Mira', basicBio: 'A retired mirror-maker.', age: '52', sex: 'female', gender: 'woman', personality: 'Wry',
    motivations: 'Pay her debt; Protect Ari', fears: 'Mirrors', relationships: 'Owes the Council', physicalAppearance: 'Tall',
    usualClothing: 'A leather apron',
  });
  assert.equal(characterFromDetails({ name: 'X', basicBio: 'Own bio' }, 'Given').basicBio, 'Own bio');
});

test('the chapter workspace keeps its chosen chapter and its draft', () => {
  const store = new Store(new MemoryStorage());
  assert.deepEqual(store.loadWorkspace(), { chapterIndex: null, draftTitle: '', draftText: '' });
  assert.ok(store.saveWorkspace({ chapterIndex: 1, draftTitle: 'Three', draftText: 'Ari ran.' }));
  assert.deepEqual(store.loadWorkspace(), { chapterIndex: 1, draftTitle: 'Three', draftText: 'Ari ran.' });
  store.saveWorkspace({ chapterIndex: -2, draftTitle: 4, draftText: null });
  assert.deepEqual(store.loadWorkspace(), { chapterIndex: null, draftTitle: '', draftText: '' });
});
