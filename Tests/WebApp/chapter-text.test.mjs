import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeLength, isHeading, readChapter } from '../../Sources/WriterAssistantWebApp/Site/js/chapter-text.mjs';

const answer = '# Chapter 3: The Lost Child\n\nAri ran into the forest.\n\nShe did not look back.\n\n## Chapter 4\n\nTomas waited.\n\n## Chapter 5\n';

test('a chapter keeps its title and ends at the next chapter heading', () => {
  assert.deepEqual(readChapter(answer), {
    title: 'The Lost Child',
    text: 'Ari ran into the forest.\n\nShe did not look back.',
    cutAt: '## Chapter 4',
  });
});

test('titles in the forms models write them', () => {
  const title = (heading) => readChapter(`${heading}\n\nText.`).title;
  assert.equal(title('# Chapter 3: The Lost Child'), 'The Lost Child');
  assert.equal(title('**Chapter Three \u2013 Glass**'), 'Glass');
  assert.equal(title('Chapter 3'), '');
  assert.equal(title('## The Lost Child'), 'The Lost Child');
  assert.equal(title('# Chapter 3\n## The Lost Child'), 'The Lost Child');
  assert.equal(readChapter('Ari ran.\n\nShe ran on.').title, '');
});

test('scene breaks and sentences about chapters stay in the text', () => {
  const text = 'Ari ran.\n\n###\n\nChapter after chapter, she read on.\n\n#\n\nThe end.';
  assert.deepEqual(readChapter(text), { title: '', text, cutAt: null });
  assert.ok(isHeading('CHAPTER FOUR'));
  assert.ok(!isHeading('Chapter and verse, he knew them all, and he said so loudly to anyone who would listen'));
});

test('while it is written, only what will be kept shows, and a heading never shows as prose', () => {
  const seen = [];
  for (let end = 1; end <= answer.length; end += 1) seen.push(readChapter(answer.slice(0, end), { writing: true }));
  for (const chapter of seen) {
    assert.ok(!/chapter|#/i.test(chapter.text), `shown as prose: ${JSON.stringify(chapter.text)}`);
    assert.ok(!chapter.text.includes('Tomas'));
    assert.ok('The Lost Child'.startsWith(chapter.title), `title: ${chapter.title}`);
  }
  assert.equal(seen.at(-1).text, 'Ari ran into the forest.\n\nShe did not look back.');
  assert.equal(seen.at(-1).title, 'The Lost Child');
});

test('the length is said against the words asked, and why it is short', () => {
  const words = (count) => Array.from({ length: count }, () => 'word').join(' ');
  assert.equal(describeLength({ text: words(412), asked: 400 }), '412 of 400 words asked');
  assert.equal(describeLength({ text: words(841), asked: 400 }), '841 of 400 words asked');
  assert.equal(describeLength({ text: words(360), asked: 400 }), '360 of 400 words asked');
  assert.equal(describeLength({ text: words(98), asked: 400 }), 'The model stopped at 98 words of the 400 asked.');
  assert.equal(describeLength({ text: words(98), asked: 400, truncated: true }),
    'The token limit stopped the model at 98 words of the 400 asked; the chapter ends at its last complete sentence.');
  assert.equal(describeLength({ text: words(1), asked: undefined }), '1 word');
  assert.equal(describeLength({ text: words(1200), asked: 2000 }), 'The model stopped at 1,200 words of the 2,000 asked.');
});
