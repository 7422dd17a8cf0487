import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
  describeBible, readStoryFile, replacedByImport, storyFile, storyFileName,
} from '../../Sources/WriterAssistantWebApp/Site/js/story-file.mjs';
import { defaultRaters, emptyBible, normalizeBible, rater } from '../../Sources/WriterAssistantWebApp/Site/js/store.mjs';

const example = JSON.parse(await readFile(new URL('../../examples/story.json', import.meta.url), 'utf8'));

function page() {
  const bible = normalizeBible(example);
  bible.title = 'The Glass Valley';
  bible.systemPrompts.assistantPrompt = 'Answer as a patient editor.';
  return {
    bible,
    plotPoint: 'Ari opens the hidden door.',
    raters: [rater('Line editor', 'You care about sentences.'), rater('Reader', 'You read for fun.', false)],
    draft: { title: 'The Door', text: 'The door was colder than the glass.' },
  };
}

const withoutIds = (raters) => raters.map(({ name, prompt, enabled }) => ({ name, prompt, enabled }));

test('everything the page holds comes back whole from its file', () => {
  const state = page();
  const parts = readStoryFile(JSON.stringify(storyFile(state)));
  assert.deepEqual(parts.bible, state.bible);
  assert.equal(parts.plotPoint, state.plotPoint);
  assert.deepEqual(withoutIds(parts.raters), withoutIds(state.raters));
  assert.deepEqual(parts.draft, state.draft);
});

test('the file is a request body for the API but for its rater', () => {
  const file = storyFile(page());
  assert.equal(file.plotPoint, 'Ari opens the hidden door.');
  assert.deepEqual(file.structured_context.characters, example.characters);
  assert.equal(file.structured_context.systemPrompts.assistantPrompt, 'Answer as a patient editor.');
  assert.equal(file.structured_context.title, undefined, 'the title is not sent to the server');
  assert.equal(file.title, 'The Glass Valley');
});

test('an empty draft and an empty title stay out of the file', () => {
  const file = storyFile({ bible: emptyBible(), plotPoint: '', raters: [], draft: { title: '', text: ' ' } });
  assert.equal(file.title, undefined);
  assert.equal(file.chapterDraft, undefined);
});

test('the file is named after the story', () => {
  assert.equal(storyFileName('The Glass Valley'), 'the-glass-valley.json');
  assert.equal(storyFileName('  Élodie & the Mirror: Part 2! '), 'elodie-the-mirror-part-2.json');
  assert.equal(storyFileName('Ключ'), 'ключ.json');
  assert.equal(storyFileName(''), 'story-bible.json');
  assert.equal(storyFileName('?!'), 'story-bible.json');
  assert.ok(storyFileName('x'.repeat(300)).length <= 85);
});

test('a file of the story bible alone and a whole request body still import', () => {
  const alone = readStoryFile(JSON.stringify(example));
  assert.deepEqual(Object.keys(alone), ['bible']);
  assert.equal(alone.bible.characters[1].name, 'Tomas');
  const request = readStoryFile(JSON.stringify({ raterName: 'R', raterPrompt: 'p', plotPoint: 'Tomas burns the letter.', structured_context: example }));
  assert.deepEqual(Object.keys(request), ['bible', 'plotPoint']);
  assert.equal(request.plotPoint, 'Tomas burns the letter.');
  assert.equal(request.bible.previousChapters.length, 2);
});

test('a file that is not a story is refused, saying what is wrong', () => {
  assert.throws(() => readStoryFile('{"hello": 1}'), /not a story: it has none of the parts of a story bible \(.*characters.*\), only "hello"\./);
  assert.throws(() => readStoryFile('{}'), /not a story.*it is empty\./);
  assert.throws(() => readStoryFile('{"hello": '), /not valid JSON/);
  assert.throws(() => readStoryFile('[1, 2]'), /holds a list, not a story/);
  assert.throws(() => readStoryFile('"text"'), /holds a string/);
  assert.throws(() => readStoryFile('{"characters": {"name": "Ari"}}'), /characters should be a list/);
  assert.throws(() => readStoryFile('{"structured_context": 3}'), /structured_context should be an object/);
  assert.throws(() => readStoryFile('{"plotPoint": 3}'), /plotPoint should be text/);
  assert.throws(() => readStoryFile('{"raters": [{"name": "A"}]}'), /raters\[0\]\.prompt should be text/);
  assert.throws(() => readStoryFile('{"characters": [], "previousChapters": []}'), /story bible is empty/);
});

test('an import says what it would replace, and nothing when nothing is lost', () => {
  const empty = { bible: emptyBible(), plotPoint: '', raters: defaultRaters(), draft: { title: '', text: '' } };
  const incoming = readStoryFile(JSON.stringify(storyFile(page())));
  assert.deepEqual(replacedByImport(empty, incoming), []);

  const current = page();
  assert.deepEqual(replacedByImport(current, readStoryFile(JSON.stringify(storyFile(current)))), [], 'the same story loses nothing');
  const lines = replacedByImport(current, readStoryFile(JSON.stringify({ raterPrompt: 'p', plotPoint: 'Tomas burns the letter.', structured_context: { worldbuilding: { content: 'Keld.' } } })));
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^The story bible \(“The Glass Valley”, 2 characters, 2 chapters \(\d+ words\), worldbuilding, a summary, an outline, system prompts\) is replaced by the file’s \(worldbuilding\)\.$/);
  assert.equal(lines[1], 'The plot point “Ari opens the hidden door.” is replaced by “Tomas burns the letter.”.');
  const raters = replacedByImport(current, { raters: [rater('Pacing editor', 'p')] });
  assert.deepEqual(raters, ['The raters (Line editor, Reader) are replaced by the file’s (Pacing editor).']);
  const draft = replacedByImport(current, { draft: { title: '', text: 'Other.' } });
  assert.deepEqual(draft, ['The new chapter’s draft (7 words) is replaced by the file’s.']);
});

test('a story bible is described in a few words', () => {
  assert.equal(describeBible(emptyBible()), 'nothing');
  assert.match(describeBible(normalizeBible(example)), /^2 characters, 2 chapters \(\d+ words\), worldbuilding, a summary, an outline, system prompts$/);
});
