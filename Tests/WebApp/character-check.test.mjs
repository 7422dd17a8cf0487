import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCharacter, nameKey } from '../../Sources/WriterAssistantWebApp/Site/js/character-check.mjs';
import { characterFromDetails } from '../../Sources/WriterAssistantWebApp/Site/js/store.mjs';

const existing = [
  characterFromDetails({ name: 'Maren Vell', age: '40', sex: 'female' }),
  characterFromDetails({ name: 'Ossian', age: '63', sex: 'male' }),
];
const check = (details, bio = 'Aldous Penn, a retired mirror-maker who owes the Council a debt.') =>
  checkCharacter(characterFromDetails(details, bio), { existing, bio });
const fields = (result) => result.flags.map((flag) => flag.field);

test('a name is compared whatever its spacing, case, accents or punctuation', () => {
  assert.equal(nameKey('Maren Vell'), 'marenvell');
  assert.equal(nameKey('MarenVell'), 'marenvell');
  assert.equal(nameKey('  maren-vell. '), 'marenvell');
  assert.equal(nameKey('Mâren Véll'), 'marenvell');
});

test('an existing character under another spelling is refused, saying whose name it is', () => {
  const result = check({ name: 'MarenVell', sex: 'Aldous Penn', age: '63' });
  assert.equal(result.refused, '“MarenVell” is written like Maren Vell, a character already in the story bible: a new character needs a name of their own.');
  assert.match(check({ name: 'Ossian' }).refused, /^“Ossian” is the name of Ossian, a character already/);
  assert.equal(check({ name: 'Ossian' }).refused.includes('written like'), false);
  assert.equal(check({ name: 'Aldous Penn', sex: 'male' }).refused, null);
});

test('a sex or gender that holds a name, or is no sex or gender, is flagged', () => {
  const result = check({ name: 'Aldous Penn', sex: 'Aldous Penn', gender: 'Maren Vell', age: '63' });
  assert.deepEqual(result.flags, [
    { field: 'sex', message: 'Sex: holds a name (“Aldous Penn”), not a sex.' },
    { field: 'gender', message: 'Gender: holds a name (“Maren Vell”), not a gender.' },
  ]);
  assert.deepEqual(fields(check({ name: 'Aldous Penn', sex: 'a mirror', gender: 'tall' })), ['sex', 'gender']);
  for (const sex of ['male', 'Female', 'M', 'intersex', 'Not applicable', 'unknown']) {
    assert.deepEqual(fields(check({ name: 'Aldous Penn', sex })), [], sex);
  }
  for (const gender of ['man', 'Non-binary', 'genderfluid', 'woman (she/her)', 'trans man']) {
    assert.deepEqual(fields(check({ name: 'Aldous Penn', gender })), [], gender);
  }
});

test('an age is an age: a number, or words that say one', () => {
  for (const age of ['63', 'about 40', 'mid-30s', 'sixteen', 'in her thirties', 'elderly', 'ageless', 'Middle-aged', '300 years']) {
    assert.deepEqual(fields(check({ name: 'Aldous Penn', age })), [], age);
  }
  assert.deepEqual(check({ name: 'Aldous Penn', age: 'a mirror-maker' }).flags, [{ field: 'age', message: 'Age: “a mirror-maker” is not an age.' }]);
  assert.deepEqual(check({ name: 'Aldous Penn', age: 'Aldous Penn' }).flags, [{ field: 'age', message: 'Age: holds a name (“Aldous Penn”), not an age.' }]);
});

test('a name that is no name, and descriptions that describe nothing, are flagged', () => {
  assert.deepEqual(check({ sex: 'male' }).flags, [{ field: 'name', message: 'Name: the model gave no name.' }]);
  assert.deepEqual(fields(check({ name: 'He was a retired mirror maker in the valley.' })), ['name']);
  const result = check({ name: 'Aldous Penn', personality: 'Aldous Penn', fears: '42', motivations: 'To pay his debt.', usualClothing: 'To pay his debt.' });
  assert.deepEqual(result.flags, [
    { field: 'personality', message: 'Personality: holds only a name (“Aldous Penn”).' },
    { field: 'fears', message: 'Fears: holds only a number (“42”).' },
    { field: 'usualClothing', message: 'Usual clothing: is the same text as Motivations.' },
  ]);
});

test('a sound character passes', () => {
  const result = check({
    name: 'Aldous Penn', age: 63, sex: 'male', gender: 'man', personality: 'Patient, proud of his craft',
    motivations: 'To pay his debt to the Council', fears: 'Mirrors that do not reflect', relationships: 'Owes Maren Vell a favour',
    physicalAppearance: 'Stooped, silver-fingered', usualClothing: 'A leather apron',
  });
  assert.deepEqual(result, { refused: null, flags: [] });
});
