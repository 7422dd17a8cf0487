// The page's story as the library keeps it, and back; what two versions of a story hold that
// differs; the library's records in words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareStories, pageStateOf, sameStory, storyDocument, untitledStory } from '../../Sources/WriterAssistantWebApp/Site/js/story-document.mjs';
import { describeAnswer, describeChanges, describePlace } from '../../Sources/WriterAssistantWebApp/Site/js/library-words.mjs';
import { defaultRaters, emptyBible, emptyChapter, emptyCharacter, normalizeBible, toStructuredContext } from '../../Sources/WriterAssistantWebApp/Site/js/store.mjs';

function bibleWith(changes) {
  return Object.assign(emptyBible(), changes);
}

test('a story document keeps everything typed, even what a request leaves out', () => {
  const bible = bibleWith({ title: 'The Salt Road' });
  bible.worldbuilding.content = 'A salt desert.';
  bible.characters = [{ ...emptyCharacter(), basicBio: 'A woman with no name yet.' }, emptyCharacter()];
  bible.previousChapters = [{ number: 1, title: 'The Letter', content: '' }, emptyChapter(2)];
  const raters = [{ id: 'r1', name: 'Pacing', prompt: 'Judge the pace.', enabled: false }];
  const document = storyDocument({ bible, raters, plotPoint: 'Mara crosses.' });
  assert.equal(document.title, 'The Salt Road');
  assert.deepEqual(document.structured_context.characters, [{ basicBio: 'A woman with no name yet.', name: '' }]);
  assert.deepEqual(document.structured_context.previousChapters, [{ number: 1, title: 'The Letter', content: '' }]);
  assert.deepEqual(document.structured_context.worldbuilding, { content: 'A salt desert.', wordCount: 3 });
  assert.deepEqual(document.raters, raters);
  assert.equal(document.plotPoint, 'Mara crosses.');

  const back = pageStateOf({ ...document, id: 's1', version: 3 }, defaultRaters);
  assert.equal(back.bible.title, 'The Salt Road');
  assert.equal(back.bible.characters[0].basicBio, 'A woman with no name yet.');
  assert.equal(back.bible.previousChapters[0].title, 'The Letter');
  assert.deepEqual(back.raters, raters);
  assert.equal(back.plotPoint, 'Mara crosses.');
  assert.deepEqual(storyDocument(back), document, 'a round trip changes nothing');
});

test('a story needs a title: an untitled one has a placeholder, a long one is cut to the library\'s bound', () => {
  assert.equal(storyDocument({ bible: emptyBible() }).title, untitledStory);
  assert.equal([...storyDocument({ bible: bibleWith({ title: '\u00e9'.repeat(400) }) }).title].length, 300);
});

test('a stored story without raters gets the default panel; its own keep their ids', () => {
  assert.equal(pageStateOf({ title: 'T', structured_context: {}, raters: [] }, defaultRaters).raters.length, defaultRaters().length);
  const [rater] = pageStateOf({ title: 'T', raters: [{ id: 'x', name: 'N', prompt: 'P' }] }, defaultRaters).raters;
  assert.deepEqual({ ...rater }, { id: 'x', name: 'N', prompt: 'P', enabled: true });
});

test('two versions compared part by part and chapter by chapter', () => {
  const theirs = { title: 'Weir', version: 4, plotPoint: 'Ari runs.', structured_context: { previousChapters: [
    { number: 1, title: 'One', content: 'The river was high.' }, { number: 2, title: 'Two', content: 'Same.' }] } };
  const mine = { title: 'Weir', plotPoint: 'Ari runs.', structured_context: { previousChapters: [
    { number: 1, title: 'One', content: 'The river was low.' }, { number: 2, title: 'Two', content: 'Same.' },
    { number: 3, title: 'Three', content: 'New.' }] } };
  const { parts, chapters } = compareStories(theirs, mine);
  assert.deepEqual(parts.filter((part) => part.differs).map((part) => part.part), []);
  assert.deepEqual(chapters.map((chapter) => [chapter.number, chapter.differs]), [[1, true], [2, false], [3, true]]);
  assert.equal(chapters[2].theirs, null);
  assert.equal(chapters[0].mine, 'The river was low.');
  assert.ok(!sameStory(theirs, mine));
  assert.ok(sameStory(theirs, { ...theirs, id: 'other', version: 9 }));
  const retitled = compareStories(theirs, { ...theirs, title: 'The Weir', plotPoint: '' }).parts;
  assert.deepEqual(retitled.filter((part) => part.differs).map((part) => [part.part, part.theirs, part.mine]),
    [['Title', 'Weir', 'The Weir'], ['Plot point', '2 words', 'empty']]);
});

test('versions, search hits and answers in words', () => {
  assert.equal(describeChanges([{ part: 'chapter', change: 'changed', chapter: 3, name: 'The Letter' },
    { part: 'character', change: 'added', name: 'Mara' }, { part: 'storySummary', change: 'removed' }]),
  'chapter 3 \u201cThe Letter\u201d changed; character \u201cMara\u201d added; the summary removed');
  assert.equal(describeChanges([]), 'nothing changed');
  assert.equal(describePlace({ place: 'chapter', chapter: 2, name: 'The Weir' }), 'chapter 2 \u201cThe Weir\u201d');
  assert.equal(describePlace({ place: 'plotOutline' }), 'the outline');
  const answer = describeAnswer({
    operation: 'rater-feedback', rater: 'Pacing editor', chapter: 2, version: 7, model: 'smol', processingTime: 1.25,
    createdAt: new Date(Date.now() - 5 * 60000).toISOString(),
    result: { feedback: { opinion: 'Brisk.', suggestions: ['Cut the dream.'] } },
  });
  assert.equal(answer.heading, 'Rater feedback \u00b7 Pacing editor \u00b7 chapter 2');
  assert.equal(answer.details, '5 min ago \u00b7 on version 7 \u00b7 smol \u00b7 1.3 s');
  assert.deepEqual(answer.lines, ['Brisk.', '\u2022 Cut the dream.']);
  assert.deepEqual(describeAnswer({ operation: 'editor-review', version: 1, createdAt: '', result: { suggestions: [
    { issue: 'Slow.', suggestion: 'Cut.', priority: 'high' }] } }).lines, ['\u2022 [high] Slow. Cut.']);
});

test('a kept chapter plan goes into the story document and requests, and back', () => {
  const bible = bibleWith({ title: 'The Salt Road' });
  bible.plotContext.plotOutline = '- Mara leaves.\n- Mara crosses.';
  bible.plotContext.chapterPlan = [{ number: 1, title: 'Leaving', summary: 'Mara leaves the coast.', characters: ['Mara'], plotPoints: ['Mara leaves.'] }];
  const document = storyDocument({ bible });
  assert.deepEqual(document.structured_context.plotContext.chapterPlan, bible.plotContext.chapterPlan);
  assert.deepEqual(toStructuredContext(bible).plotContext.chapterPlan, bible.plotContext.chapterPlan);
  const back = pageStateOf(document, defaultRaters);
  assert.deepEqual(back.bible.plotContext.chapterPlan, bible.plotContext.chapterPlan);
  assert.deepEqual(storyDocument({ ...back, raters: [] }), document, 'a round trip changes nothing');

  // A plan written by hand needs only numbers and titles; anything of the wrong type is named.
  const hand = normalizeBible({ plotContext: { chapterPlan: [{ number: 2, title: 'Crossing' }] } });
  assert.deepEqual(hand.plotContext.chapterPlan, [{ number: 2, title: 'Crossing', summary: '', characters: [], plotPoints: [] }]);
  assert.throws(() => normalizeBible({ plotContext: { chapterPlan: [{ number: 'two' }] } }), /chapterPlan\[0\]\.number/);
  assert.throws(() => normalizeBible({ plotContext: { chapterPlan: [{ number: 1, characters: [3] }] } }), /chapterPlan\[0\]\.characters/);
  // A plan cleared leaves nothing behind.
  bible.plotContext.chapterPlan = [];
  assert.equal(storyDocument({ bible }).structured_context.plotContext.chapterPlan, undefined);
  assert.equal(toStructuredContext(emptyBible()).plotContext, undefined);
});

