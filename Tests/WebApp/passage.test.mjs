// Locating the passage an editor's issue quotes, and replacing a selection once the writer has
// edited the chapter since.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locatePassage, locateWords, normalize, quotedPassages, replaceSelection } from '../../Sources/WriterAssistantWebApp/Site/js/passage.mjs';

const chapter = 'Ari grew up on a quiet farm at the edge of the forest, where the wind carried tunes nobody had taught her.\n'
  + 'Her father never sang, and he covered every mirror in the house with linen.\n\n'
  + '\u201cWhy the linen?\u201d she asked. He said, \u2018Because mirrors listen\u2019 \u2014 and left the room.';

function selected(found) {
  return found && chapter.slice(found.start, found.end);
}

test('an exact quote in double quotes is found where it is', () => {
  const found = locatePassage(chapter, 'The sentence "he covered every mirror in the house" is passive.');
  assert.equal(selected(found), 'he covered every mirror in the house');
  assert.equal(found.start, chapter.indexOf('he covered'));
  assert.equal(found.quote, 'he covered every mirror in the house');
});

test('curly and single quotes around the quote are understood', () => {
  assert.equal(selected(locatePassage(chapter, 'In \u201ca quiet farm at the edge of the forest\u201d the setting is vague.')), 'a quiet farm at the edge of the forest');
  assert.equal(selected(locatePassage(chapter, "The phrase 'tunes nobody had taught her' is lovely but unclear.")), 'tunes nobody had taught her');
  assert.equal(selected(locatePassage(chapter, 'Clich\u00e9: \u2018the edge of the forest\u2019.')), 'the edge of the forest');
});

test('quote marks inside the passage may differ between issue and chapter', () => {
  // The chapter has curly quotes and an em dash; the issue straight ones and a hyphen.
  const found = locatePassage(chapter, "Dialogue tag: 'He said, \"Because mirrors listen\" - and left'");
  assert.equal(selected(found), 'He said, \u2018Because mirrors listen\u2019 \u2014 and left');
  assert.equal(selected(locatePassage(chapter, 'The question "\u201cWhy the linen?\u201d" is abrupt.')), '\u201cWhy the linen?\u201d');
});

test('differences of case and white space do not matter', () => {
  const found = locatePassage(chapter, 'Repetition: "TAUGHT HER.   her father never   sang"');
  assert.equal(selected(found), 'taught her.\nHer father never sang');
});

test('end punctuation added by the editor and ellipses are tolerated', () => {
  assert.equal(selected(locatePassage(chapter, 'The opening "Ari grew up on a quiet farm." is flat.')), 'Ari grew up on a quiet farm');
  assert.equal(selected(locatePassage(chapter, 'In "Her father never sang \u2026 with linen" the two halves clash.')), 'Her father never sang');
});

test('an apostrophe is not taken for a quote', () => {
  assert.deepEqual(quotedPassages("Ari's father doesn't speak; 'the wind carried tunes' is nice"), ['the wind carried tunes']);
  assert.deepEqual(quotedPassages("'Ari's father' and \"Tomas\""), ["Ari's father", 'Tomas']);
});

test('no quote, a quote not in the chapter, or one too short to mean anything, gives null', () => {
  assert.equal(locatePassage(chapter, 'The pacing drags in the middle.'), null);
  assert.equal(locatePassage(chapter, 'The line "the dragon roared" does not fit.'), null);
  assert.equal(locatePassage(chapter, 'Overuse of "he".'), null);
  assert.equal(locatePassage('', 'The line "Ari grew up".'), null);
});

test('the longest quote that is found wins', () => {
  const found = locatePassage(chapter, 'Compare "a flying ship over the sea" with "every mirror in the house" and "linen".');
  assert.equal(selected(found), 'every mirror in the house');
});

test('offsets stay right after characters outside the basic plane', () => {
  const text = 'The \ud83c\udfb5 song \ud83c\udfb5 rang out over the valley of Keld.';
  const found = locatePassage(text, 'The image "\ud83c\udfb5 rang out over the valley" is strong.');
  assert.equal(text.slice(found.start, found.end), '\ud83c\udfb5 rang out over the valley');
});

test('normalising maps every character back to its place', () => {
  const { text, starts, ends } = normalize('A\u2019s  \u2026B');
  assert.equal(text, "a's ...b");
  assert.equal(starts.length, text.length);
  assert.deepEqual(starts, [0, 1, 2, 3, 5, 5, 5, 6]);
  assert.deepEqual(ends, [1, 2, 3, 4, 6, 6, 6, 7]);
});

test('a selection is replaced where it is, or where it went after edits, or not at all', () => {
  const text = 'One. Two. Three.';
  const selection = { start: 5, end: 9, text: 'Two.' };
  assert.deepEqual(replaceSelection(text, selection, 'Two, slowly.'), { text: 'One. Two, slowly. Three.', start: 5, end: 17 });
  assert.deepEqual(replaceSelection('Zero. One. Two. Three.', selection, 'Two!'), { text: 'Zero. One. Two! Three.', start: 11, end: 15 });
  assert.equal(replaceSelection('One. Three.', selection, 'Two!'), null);
  const whole = { start: 0, end: text.length, text };
  assert.deepEqual(replaceSelection(text, whole, 'All new.'), { text: 'All new.', start: 0, end: 8 });
});

test('a citation is found as it stands, its own quotation marks included', () => {
  const chapter = 'Mara waited.\n\n"Ivo  drowned," she said, "below the weir."\n\nIvo drowned.';
  const found = locateWords(chapter, '"Ivo drowned," she said, "below the weir."');
  assert.equal(chapter.slice(found.start, found.end), '"Ivo  drowned," she said, "below the weir."');
  assert.equal(locateWords(chapter, 'Nobody spoke of it again.'), null);
  assert.equal(locateWords(chapter, 'a'), null);
});
