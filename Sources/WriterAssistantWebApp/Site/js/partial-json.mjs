// Reads a JSON answer the model is still writing — cut anywhere, inside a string, an escape, a
// key or a number — as far as it goes, so the page can show a revised chapter, an editor's
// suggestions or a character's feelings as they are written instead of raw, half-finished JSON.
// Anything before the first `{` or `[` (a Markdown fence, say) is skipped; whatever cannot be
// read ends the reading, keeping what was read before it.

/**
 * The value a possibly incomplete JSON text holds so far: objects with the members complete
 * enough to have a value (a string cut mid-way is kept as far as it goes), arrays with their
 * elements so far. Undefined when not even an object or array has begun.
 */
export function parsePartialJson(text) {
  const start = text.search(/[[{]/);
  if (start < 0) return undefined;
  const reader = { text, index: start };
  return readValue(reader).value;
}

/**
 * The change summary and revised chapter of a `modify-chapter` answer
 * (`{"modifiedChapter": "…", "changesSummary": "…"}`, in either order) as far as they are written; '' for a part
 * not begun.
 */
export function previewChapterChange(text) {
  const value = parsePartialJson(text);
  const part = (key) => (isObject(value) && typeof value[key] === 'string' ? value[key] : '');
  return { changesSummary: part('changesSummary'), modifiedChapter: part('modifiedChapter') };
}

/** The suggestions of an `editor-review` answer so far, each with whatever parts have arrived. */
export function previewReview(text) {
  const value = parsePartialJson(text);
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.suggestions) ? value.suggestions : [];
  return list.filter(isObject).map((item) => ({
    issue: typeof item.issue === 'string' ? item.issue : '',
    suggestion: typeof item.suggestion === 'string' ? item.suggestion : '',
    priority: typeof item.priority === 'string' ? item.priority : '',
  })).filter((item) => item.issue || item.suggestion);
}

/**
 * The parts of a `character-feedback` answer so far: the feedback object itself, or one wrapped
 * in `{"feedback": …}`. Each part is a list of strings ([] when not begun).
 */
export function previewCharacterFeedback(text) {
  const value = parsePartialJson(text);
  const feedback = isObject(value) && isObject(value.feedback) ? value.feedback : value;
  return normalizeCharacterFeedback(feedback);
}

/** The five parts of a character's feedback, each a list of non-empty strings. */
export const characterFeedbackParts = ['actions', 'dialog', 'physicalSensations', 'emotions', 'internalMonologue'];

export function normalizeCharacterFeedback(feedback) {
  return Object.fromEntries(characterFeedbackParts.map((part) => {
    const items = isObject(feedback) ? feedback[part] : undefined;
    const list = Array.isArray(items) ? items : typeof items === 'string' ? [items] : [];
    return [part, list.filter((item) => typeof item === 'string' && item.trim() !== '')];
  }));
}

// --- The reader ----------------------------------------------------------------------------
// Each step returns { value, present, complete }: `present` when there is a value to keep,
// `complete` when it ended properly (so reading may go on after it).

function readValue(reader) {
  skipWhitespace(reader);
  const char = reader.text[reader.index];
  if (char === undefined) return { present: false, complete: false };
  if (char === '{') return readObject(reader);
  if (char === '[') return readArray(reader);
  if (char === '"') return readString(reader);
  if (char === '-' || (char >= '0' && char <= '9')) return readNumber(reader);
  return readLiteral(reader);
}

function readObject(reader) {
  const object = {};
  reader.index += 1;
  for (;;) {
    skipWhitespace(reader);
    const char = reader.text[reader.index];
    if (char === undefined) return { value: object, present: true, complete: false };
    if (char === '}') {
      reader.index += 1;
      return { value: object, present: true, complete: true };
    }
    if (char === ',') {
      reader.index += 1;
      continue;
    }
    if (char !== '"') return { value: object, present: true, complete: false };
    const key = readString(reader);
    if (!key.complete) return { value: object, present: true, complete: false };
    skipWhitespace(reader);
    if (reader.text[reader.index] !== ':') return { value: object, present: true, complete: false };
    reader.index += 1;
    const member = readValue(reader);
    if (member.present) object[key.value] = member.value;
    if (!member.complete) return { value: object, present: true, complete: false };
  }
}

function readArray(reader) {
  const array = [];
  reader.index += 1;
  for (;;) {
    skipWhitespace(reader);
    const char = reader.text[reader.index];
    if (char === undefined) return { value: array, present: true, complete: false };
    if (char === ']') {
      reader.index += 1;
      return { value: array, present: true, complete: true };
    }
    if (char === ',') {
      reader.index += 1;
      continue;
    }
    const element = readValue(reader);
    if (element.present) array.push(element.value);
    if (!element.complete) return { value: array, present: true, complete: false };
  }
}

const escapes = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** A string from its opening quote, decoded as far as it goes (never half an escape). */
function readString(reader) {
  const { text } = reader;
  let value = '';
  let index = reader.index + 1;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      reader.index = index + 1;
      return { value, present: true, complete: true };
    }
    if (char !== '\\') {
      value += char;
      index += 1;
      continue;
    }
    const escaped = text[index + 1];
    if (escaped === undefined) break;
    if (escaped === 'u') {
      const hex = text.slice(index + 2, index + 6);
      if (hex.length < 4) break;
      const code = Number.parseInt(hex, 16);
      value += Number.isNaN(code) ? '\ufffd' : String.fromCharCode(code);
      index += 6;
    } else {
      value += escapes[escaped] ?? escaped;
      index += 2;
    }
  }
  reader.index = text.length;
  // A lone high surrogate waits for its other half.
  if (/[\ud800-\udbff]$/.test(value)) value = value.slice(0, -1);
  return { value, present: true, complete: false };
}

function readNumber(reader) {
  const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(reader.text.slice(reader.index));
  if (!match) return { present: false, complete: false };
  reader.index += match[0].length;
  // A number at the very end may still be growing; show it anyway, it only gains digits.
  return { value: Number(match[0]), present: true, complete: reader.index < reader.text.length };
}

function readLiteral(reader) {
  for (const [word, value] of [['true', true], ['false', false], ['null', null]]) {
    if (reader.text.startsWith(word, reader.index)) {
      reader.index += word.length;
      return { value, present: true, complete: true };
    }
  }
  return { present: false, complete: false };
}

function skipWhitespace(reader) {
  while (/\s/.test(reader.text[reader.index] ?? '')) reader.index += 1;
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
