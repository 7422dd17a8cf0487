// A generated character, checked before it joins the story bible. A small model can hand back
// an existing character with the space taken out of their name ("MarenVell" for Maren Vell), or
// put the bio's name into Sex; added unseen, such a character muddles every later request. The
// check refuses a name the story already has, whatever its spacing, case, accents or
// punctuation, and flags each field that does not hold what it is for, so the writer chooses.
import { characterFields } from './store.mjs';

/** A name as compared: letters and digits only, lower case, accents dropped ("Maren Vell" → "marenvell"). */
export function nameKey(name) {
  return String(name ?? '').normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

const labels = Object.fromEntries(characterFields);

// Words that say an age without a number ("sixteen", "elderly", "in her thirties", "ageless").
const ageWords = new Set([
  'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen',
  'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty', 'thirty', 'forty', 'fifty',
  'sixty', 'seventy', 'eighty', 'ninety', 'hundred', 'thousand', 'teens', 'twenties', 'thirties', 'forties',
  'fifties', 'sixties', 'seventies', 'eighties', 'nineties', 'infant', 'baby', 'toddler', 'child', 'young', 'younger',
  'youth', 'teen', 'teenage', 'teenager', 'adolescent', 'adult', 'middle', 'aged', 'old', 'older', 'elderly',
  'ancient', 'ageless', 'immortal', 'unknown', 'centuries', 'century', 'years', 'year', 'decades', 'mid', 'late',
  'early', 'senior', 'newborn', 'juvenile', 'unclear', 'indeterminate',
]);
const sexWords = new Set([
  'male', 'female', 'man', 'woman', 'boy', 'girl', 'intersex', 'none', 'unknown', 'sexless', 'neuter', 'asexual',
  'hermaphrodite', 'androgynous', 'm', 'f', 'n/a', 'na', 'unspecified', 'not', 'applicable', 'undetermined', 'both', 'neither',
]);
const genderWords = new Set([
  ...sexWords, 'nonbinary', 'non-binary', 'enby', 'agender', 'genderfluid', 'fluid', 'genderqueer', 'queer', 'bigender',
  'masculine', 'feminine', 'trans', 'transgender', 'transmasculine', 'transfeminine', 'cis', 'cisgender', 'two-spirit',
  'demiboy', 'demigirl', 'neutral', 'he/him', 'she/her', 'they/them', 'he', 'she', 'they', 'him', 'her', 'them',
]);
/** Fields of free description, where a bare name or number says nothing. */
const descriptionFields = ['personality', 'motivations', 'fears', 'physicalAppearance', 'usualClothing'];

/**
 * `{ refused, flags }` for `character` (its fields as text, as characterFromDetails gives them)
 * against the bible's `existing` characters: `refused` is why it cannot be added (its name is
 * taken) or null; `flags` lists `{ field, message }` for fields that do not hold what they are
 * for. `bio` is the writer's one-line bio, whose names the fields should not hold either.
 */
export function checkCharacter(character, { existing = [], bio = '' } = {}) {
  const name = character.name.trim();
  const twin = existing.find((other) => nameKey(other.name) !== '' && nameKey(other.name) === nameKey(name));
  const refused = twin
    ? `\u201c${name}\u201d is ${twin.name.trim() === name ? 'the name of' : 'written like'} ${twin.name.trim()}, a character already in the story bible: a new character needs a name of their own.`
    : null;

  const knownNames = new Set([name, ...existing.map((other) => other.name), ...namesIn(bio)].map(nameKey).filter(Boolean));
  const isName = (value) => knownNames.has(nameKey(value)) || /^\p{Lu}[\p{Ll}'’-]+(?:\s+\p{Lu}[\p{Ll}'’-]+)+$/u.test(value);
  const flags = [];
  const flag = (field, message) => flags.push({ field, message: `${labels[field]}: ${message}` });
  const quoted = (value) => `\u201c${value}\u201d`;

  if (!name) flag('name', 'the model gave no name.');
  else if (wordsOf(name).length > 5 || /[.!?:;]$/.test(name)) flag('name', `${quoted(name)} reads as a sentence, not a name.`);

  const age = character.age.trim();
  if (age && !/\p{N}/u.test(age) && !wordsOf(age).some((word) => ageWords.has(word))) {
    flag('age', isName(age) ? `holds a name (${quoted(age)}), not an age.` : `${quoted(age)} is not an age.`);
  }
  for (const [field, words, what] of [['sex', sexWords, 'a sex'], ['gender', genderWords, 'a gender']]) {
    const value = character[field].trim();
    if (!value || wordsOf(value).some((word) => words.has(word))) continue;
    flag(field, isName(value) ? `holds a name (${quoted(value)}), not ${what}.` : `${quoted(value)} is not ${what}.`);
  }
  for (const field of descriptionFields) {
    const value = character[field].trim();
    if (!value) continue;
    if (knownNames.has(nameKey(value))) flag(field, `holds only a name (${quoted(value)}).`);
    else if (/^[\p{N}\s.,]+$/u.test(value)) flag(field, `holds only a number (${quoted(value)}).`);
    else {
      const copied = descriptionFields.find((other) => other !== field && character[other].trim() === value);
      if (copied && descriptionFields.indexOf(copied) < descriptionFields.indexOf(field)) flag(field, `is the same text as ${labels[copied]}.`);
    }
  }
  return { refused, flags };
}

function wordsOf(text) {
  return text.toLowerCase().split(/[\s,;()]+/).map((word) => word.replace(/^[.'"“”‘’-]+|[.'"“”‘’-]+$/g, '')).filter(Boolean)
    .flatMap((word) => (word.includes('-') && !genderWords.has(word) ? [word, ...word.split('-')] : [word]));
}

/** Runs of capitalised words in a bio ("Aldous Penn, a retired mirror-maker" → "Aldous Penn"). */
function namesIn(bio) {
  return [...bio.matchAll(/\p{Lu}[\p{Ll}'’-]+(?:\s+\p{Lu}[\p{Ll}'’-]+)+/gu)].map((match) => match[0]);
}
