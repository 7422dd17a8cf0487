// The model writes its answer as JSON — `{"opinion": "...", "suggestions": ["...", ...]}` — one
// token at a time. This reads whatever has arrived so far, so a card can show the opinion and the
// suggestions as they are written instead of raw, half-finished JSON.

/** Opinion and suggestions found in a possibly incomplete answer. */
export function previewAnswer(text) {
  const preview = { opinion: '', suggestions: [] };
  let key = null;
  let expectingKey = false;
  let inList = false;
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      const { value, end, complete } = readString(text, index + 1);
      if (expectingKey && !inList) {
        if (!complete) break;
        key = value;
        expectingKey = false;
      } else if (inList && key === 'suggestions') {
        preview.suggestions.push(value.trim());
      } else if (key === 'opinion') {
        preview.opinion = value.trim();
      }
      if (!complete) break;
      index = end;
      continue;
    }
    if (char === '{' || (char === ',' && !inList)) expectingKey = true;
    else if (char === '[') inList = true;
    else if (char === ']') inList = false;
    index += 1;
  }
  preview.suggestions = preview.suggestions.filter((suggestion) => suggestion !== '');
  return preview;
}

const escapes = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Decodes the JSON string starting at `start` (after its quote), as far as it goes. */
function readString(text, start) {
  let value = '';
  let index = start;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') return { value, end: index + 1, complete: true };
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
      value += String.fromCharCode(Number.parseInt(hex, 16) || 0xfffd);
      index += 6;
    } else {
      value += escapes[escaped] ?? escaped;
      index += 2;
    }
  }
  return { value, end: text.length, complete: false };
}
